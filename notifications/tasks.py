"""Email delivery tasks. They take ids and call notifications.delivery; safe to run twice because
every send first claims its row."""

import logging
import smtplib
import socket

from celery import shared_task

logger = logging.getLogger(__name__)

# Transient failures of the mail server or the network: retried with exponential backoff.
# (smtplib.SMTPException and socket errors are OSError subclasses; listed for the reader.)
RETRY_ON = (smtplib.SMTPException, ConnectionError, socket.timeout, OSError)
MAX_EMAIL_ATTEMPTS = 8


@shared_task(
    name="notifications.tasks.deliver_email",
    autoretry_for=RETRY_ON,
    retry_backoff=30,  # 30 s, 60 s, 120 s … between attempts
    retry_backoff_max=2 * 60 * 60,
    retry_jitter=True,
    max_retries=MAX_EMAIL_ATTEMPTS - 1,
    # Safe to redeliver: a second run cannot claim a row that is sending or sent, so a worker
    # lost mid-task costs at worst a late email, never a duplicate.
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_email(notification_id: int) -> str:
    from notifications.delivery import notification_deliver_email

    return notification_deliver_email(notification_id=notification_id)


@shared_task(name="notifications.tasks.deliver_emails", acks_late=True)
def deliver_emails(notification_ids: list[int]) -> int:
    """A sweep's chunk of ids: fan out one delivery task per row so each retries on its own."""
    for notification_id in notification_ids:
        deliver_email.delay(notification_id)
    return len(notification_ids)


@shared_task(name="notifications.tasks.requeue_stale_emails")
def requeue_stale_emails() -> int:
    """Safety net for lost delivery tasks: re-queues rows pending for over 10 minutes, failed rows
    with attempts left, and claims abandoned by a dead worker. Claiming makes this harmless."""
    import datetime as dt

    from notifications.delivery import stale_email_ids

    ids = stale_email_ids(older_than=dt.timedelta(minutes=10), max_attempts=MAX_EMAIL_ATTEMPTS)
    for notification_id in ids:
        deliver_email.delay(notification_id)
    if ids:
        logger.info("re-queued %d stale emails", len(ids))
    return len(ids)
