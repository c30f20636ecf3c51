"""Reads of a user's own notifications. Nobody reads another person's inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import EmailPreference, Notification, NotificationKind


class InboxFilter:
    UNREAD = "unread"
    READ = "read"
    ALL = "all"
    CHOICES = (UNREAD, READ, ALL)


def notification_list_for(*, user: User, state: str = InboxFilter.ALL) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if state == InboxFilter.UNREAD:
        return notifications.filter(read_at__isnull=True)
    if state == InboxFilter.READ:
        return notifications.filter(read_at__isnull=False)
    return notifications


def inbox_counts(*, user: User) -> dict[str, int]:
    from django.db.models import Count, Q

    counts = Notification.objects.filter(recipient=user).aggregate(
        all=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True))
    )
    return {"all": counts["all"], "unread": counts["unread"], "read": counts["all"] - counts["unread"]}


def email_enabled_kinds(*, user: User) -> set[str]:
    """Kinds the user gets by email: all, minus the ones turned off."""
    off = set(EmailPreference.objects.filter(user=user, email_enabled=False).values_list("kind", flat=True))
    return set(NotificationKind.values) - off
