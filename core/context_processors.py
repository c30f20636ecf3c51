def navigation(request):
    """Values every page's navbar needs. Kept to one cheap query (unread count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.models import Notification

    return {
        "unread_notification_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
