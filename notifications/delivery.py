"""Sending one notification's email: claim the row, send, record the outcome on the row."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.utils import timezone, translation

from notifications.models import EmailStatus, Notification

# A claim older than this belongs to a worker that died mid-task (the task hard time limit is
# 5 minutes), so the row may be claimed again.
STALE_CLAIM = dt.timedelta(minutes=15)


class EmailNotClaimed(Exception):
    pass


def _claimable() -> Q:
    return Q(email_status__in=[EmailStatus.PENDING, EmailStatus.FAILED]) | Q(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=timezone.now() - STALE_CLAIM
    )


def _template(kind: str, part: str) -> str:
    """Per-kind template if there is one (notifications/email/<kind>_<part>), else the generic one."""
    names = [f"notifications/email/{kind}_{part}", f"notifications/email/{part}"]
    try:
        return select_template(names).template.name
    except TemplateDoesNotExist:  # pragma: no cover - the generic triple ships with the app
        raise


def render_email(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "kind_label": notification.get_kind_display(),
        "link": f"{settings.DUDAO_BASE_URL.rstrip('/')}{notification.url}" if notification.url else "",
        "inbox_link": f"{settings.DUDAO_BASE_URL.rstrip('/')}/notifications/",
    }
    # Emails go out from a worker, outside any request: Chinese is the users' language.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(_template(notification.kind, "subject.txt"), context)
        text = render_to_string(_template(notification.kind, "body.txt"), context)
        html = render_to_string(_template(notification.kind, "body.html"), context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:250],
        body=text,
        to=[notification.recipient.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_deliver_email(*, notification_id: int) -> str:
    """Send at most once: a conditional UPDATE claims the row; a second worker finds nothing to
    claim. A failure is recorded on the row (status failed, error, attempts) and re-raised so the
    task retries with backoff; the retry claims the failed row again."""
    claimed = Notification.objects.filter(_claimable(), pk=notification_id).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now(), email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return "not-claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not notification.recipient.email:
        Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.SKIPPED)
        return "skipped"
    try:
        render_email(notification).send()
    except Exception as error:  # recorded on the row, then re-raised for the task's retry
        Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SENDING).update(
            email_status=EmailStatus.FAILED, email_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
    )
    return "sent"


def stale_email_ids(*, older_than: dt.timedelta, max_attempts: int) -> list[int]:
    """Rows whose delivery task was lost (broker down at commit, worker killed, retries used up
    while the mail server was down for hours) — the safety net re-queues them."""
    cutoff = timezone.now() - older_than
    return list(
        Notification.objects.filter(
            Q(email_status=EmailStatus.PENDING, created_at__lt=cutoff)
            | Q(email_status=EmailStatus.FAILED, email_attempts__lt=max_attempts, email_claimed_at__lt=cutoff)
            | Q(email_status=EmailStatus.SENDING, email_claimed_at__lt=timezone.now() - STALE_CLAIM)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
