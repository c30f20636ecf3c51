"""The navbar's unread count, on every page a signed-in user sees."""

from notifications.models import Notification


def navigation(request):
    """Values every page's navbar needs. Kept to one cheap query (unread count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
