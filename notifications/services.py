"""Writing notifications. Callers describe who, what and about which object; this module makes
the rows (exactly once per kind/target/recipient/period) and queues the emails after commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from notifications.models import EmailPreference, EmailStatus, Notification, NotificationKind


@dataclass(frozen=True)
class Target:
    type: str
    id: int
    url: str


def notify(
    *,
    kind: NotificationKind,
    target: Target,
    recipients: Iterable[User],
    period: str,
    title: str,
    body: str = "",
) -> list[Notification]:
    """Create the inbox rows that do not exist yet and queue their emails after commit.

    Returns only the rows created by this call; a repeated call for the same period creates none.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    opted_out = set(
        EmailPreference.objects.filter(user_id__in=users, kind=kind, email_enabled=False).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            target_type=target.type,
            target_id=target.id,
            period=period,
            title=title[:200],
            body=body,
            url=target.url,
            email_status=EmailStatus.SKIPPED if (user_id in opted_out or not user.email) else EmailStatus.PENDING,
        )
        for user_id, user in users.items()
    ]
    existing = set(
        Notification.objects.filter(
            kind=kind, target_type=target.type, target_id=target.id, period=period, recipient_id__in=users
        ).values_list("recipient_id", flat=True)
    )
    fresh = [row for row in rows if row.recipient_id not in existing]
    # ignore_conflicts closes the race with a concurrent scan: the unique row decides who sends.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(
            kind=kind,
            target_type=target.type,
            target_id=target.id,
            period=period,
            recipient_id__in=[row.recipient_id for row in fresh],
        )
    )
    queue_pending_emails([row.pk for row in created if row.email_status == EmailStatus.PENDING])
    return created


def queue_pending_emails(notification_ids: list[int]) -> None:
    if not notification_ids:
        return

    def _send() -> None:
        from notifications.tasks import deliver_email

        for notification_id in notification_ids:
            deliver_email.delay(notification_id)

    # robust: with the broker (Redis) down the publish fails after the data is committed; the page
    # must still answer and the rows stay pending for requeue_stale_emails (logged, not raised).
    transaction.on_commit(_send, robust=True)
