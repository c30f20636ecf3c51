"""Writing notifications. Callers describe who, what and about which object; this module makes
the rows (exactly once per kind/target/recipient/period) and queues the emails after commit.

The inbox row is exactly-once (a unique constraint). Its email is at-least-once: sent once in all
but one window — a worker killed after the mail server accepted the message and before the row was
marked sent — where it is sent again under the same Message-ID (notifications.delivery)."""

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
    """After commit (a rolled-back row must not be mailed): one delivery task per row for a few
    rows, chunks of ids for a sweep's thousands (each chunk fans out in the worker)."""
    if not notification_ids:
        return
    ids = list(notification_ids)

    def _send() -> None:
        from notifications.tasks import deliver_email, deliver_emails

        if len(ids) <= 10:
            for notification_id in ids:
                deliver_email.delay(notification_id)
            return
        for start in range(0, len(ids), EMAIL_QUEUE_CHUNK):
            deliver_emails.delay(ids[start : start + EMAIL_QUEUE_CHUNK])

    # robust: with the broker (Redis) down the publish fails after the data is committed; the page
    # must still answer and the rows stay pending for requeue_stale_emails (logged, not raised).
    transaction.on_commit(_send, robust=True)


# --- set-based notifications (scans over many objects) ----------------------------------------

# Columns a caller's SELECT must provide, in this order, as annotations with these names.
SELECT_COLUMNS = ("n_recipient", "n_target", "n_period", "n_title", "n_body", "n_url")
# Emails are queued in chunks so a sweep over thousands of rows puts a handful of messages on the
# broker; the chunk task fans out one delivery task per row (each row is claimed on its own).
EMAIL_QUEUE_CHUNK = 500


def notify_from_select(*, kind: NotificationKind, target_type: str, rows) -> list[int]:
    """Insert one notification per row of `rows` that does not exist yet, in ONE statement
    (INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING), and queue emails for the rows created.

    `rows` is a queryset annotated, in this order, with n_recipient (user id), n_target (object
    id), n_period, n_title, n_body, n_url — expressions evaluated by the database, so no object is
    loaded into Python. Returns the ids of the rows this call created; a rerun creates none.
    Works on PostgreSQL and SQLite (≥ 3.35, both have ON CONFLICT and RETURNING).
    """
    from django.db import connection
    from django.db.models import Case, CharField, Exists, OuterRef, Value, When
    from django.utils import timezone

    opted_out = EmailPreference.objects.filter(user=OuterRef("n_recipient"), kind=kind, email_enabled=False)
    no_address = User.objects.filter(pk=OuterRef("n_recipient"), email="")
    select = rows.order_by().annotate(
        n_kind=Value(str(kind), output_field=CharField()),
        n_target_type=Value(target_type, output_field=CharField()),
        n_created=Value(timezone.now()),
        n_email_status=Case(
            When(Exists(opted_out) | Exists(no_address), then=Value(EmailStatus.SKIPPED.value)),
            default=Value(EmailStatus.PENDING.value),
            output_field=CharField(),
        ),
        n_attempts=Value(0),
        n_error=Value("", output_field=CharField()),
    )
    columns = [*SELECT_COLUMNS, "n_kind", "n_target_type", "n_created", "n_email_status", "n_attempts", "n_error"]
    select = select.values(*columns)
    # values() keeps annotation order, not argument order: check the SELECT lines up with the INSERT.
    if list(select.query.annotation_select) != columns:
        raise ValueError(f"rows must be annotated in the order {SELECT_COLUMNS}")
    select_sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    insert_columns = ", ".join(
        connection.ops.quote_name(name)
        for name in (
            "recipient_id",
            "target_id",
            "period",
            "title",
            "body",
            "url",
            "kind",
            "target_type",
            "created_at",
            "email_status",
            "email_attempts",
            "email_error",
        )
    )
    # The unique (kind, target, recipient, period) row decides: a concurrent or repeated sweep
    # inserts nothing and therefore queues nothing.
    sql = (
        f"INSERT INTO {table} ({insert_columns}) {select_sql} "
        f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name('id')}, "
        f"{connection.ops.quote_name('email_status')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.fetchall()
    queue_pending_emails([pk for pk, status in created if status == EmailStatus.PENDING])
    return [pk for pk, _status in created]


def sql_text(template: str, **parts):
    """A database expression for a translated template such as "问题 %(code)s 已逾期", whose
    placeholders are filled by expressions (F("code"), Cast(...)). Lets a set-based insert write
    the same titles Python would, in the user's language, without loading the rows."""
    import re

    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    pieces = []
    for index, chunk in enumerate(re.split(r"%\((\w+)\)s", str(template))):
        if index % 2:
            pieces.append(Cast(parts[chunk], output_field=CharField()))
        elif chunk:
            pieces.append(Value(chunk, output_field=CharField()))
    if len(pieces) == 1:
        return pieces[0]
    return Concat(*pieces, output_field=CharField())


# --- inbox --------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (idempotent). Someone else's: DoesNotExist."""
    from django.utils import timezone

    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    from django.utils import timezone

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def email_preferences_save(*, user: User, email_kinds: Iterable[str]) -> None:
    """Email on for exactly `email_kinds`, off for every other kind. In-app is always on."""
    wanted = {str(kind) for kind in email_kinds} & set(NotificationKind.values)
    for kind in NotificationKind.values:
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"email_enabled": kind in wanted})
