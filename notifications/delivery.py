"""Sending one notification's email: claim the row, send, record the outcome on the row."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import EmailStatus, Notification


def notification_deliver_email(*, notification_id: int) -> str:
    """Send at most once: a conditional UPDATE claims the row; a second worker finds nothing to claim."""
    claimed = Notification.objects.filter(
        Q(email_status=EmailStatus.PENDING) | Q(email_status=EmailStatus.FAILED), pk=notification_id
    ).update(email_status=EmailStatus.SENDING, email_claimed_at=timezone.now())
    if not claimed:
        return "not-claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link": f"{settings.DUDAO_BASE_URL.rstrip('/')}{notification.url}",
    }
    text = render_to_string("notifications/email/body.txt", context)
    html = render_to_string("notifications/email/body.html", context)
    message = EmailMultiAlternatives(
        subject=f"【督导】{notification.title}",
        body=text,
        to=[notification.recipient.email],
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as error:  # recorded on the row, then re-raised for the task's retry
        Notification.objects.filter(pk=notification_id).update(
            email_status=EmailStatus.FAILED,
            email_attempts=notification.email_attempts + 1,
            email_error=str(error)[:2000],
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=EmailStatus.SENT,
        email_attempts=notification.email_attempts + 1,
        email_sent_at=timezone.now(),
        email_error="",
    )
    return "sent"
