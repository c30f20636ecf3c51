"""Email delivery tasks. They take ids and call notifications.delivery; safe to run twice because
every send first claims its row.

"Never twice" has one exception, documented in notifications.delivery: a worker killed between the
mail server's acceptance and the UPDATE that marks the row sent. The row is sent again (at least
once beats never) under the same Message-ID, so the duplicate can be dropped by the mail system.

Mail stranded by a dead worker or a broker outage is queued again as soon as a worker starts
(`worker_ready`) or its broker connection comes back (RequeueEmailsOnReconnect, a consumer
bootstep added in config/celery_app.py), not only by the quarter-hourly sweep.
"""

import datetime as dt
import logging
import smtplib
import socket

from celery import bootsteps, shared_task
from celery.signals import worker_init, worker_ready

logger = logging.getLogger(__name__)

# Transient failures of the mail server or the network: retried with exponential backoff.
# (smtplib.SMTPException and socket errors are OSError subclasses; listed for the reader.)
RETRY_ON = (smtplib.SMTPException, ConnectionError, socket.timeout, OSError)
MAX_EMAIL_ATTEMPTS = 8


@shared_task(
    bind=True,
    name="notifications.tasks.deliver_email",
    autoretry_for=RETRY_ON,
    retry_backoff=30,  # 30 s, 60 s, 120 s … between attempts (full jitter: a random wait up to that)
    retry_backoff_max=2 * 60 * 60,
    retry_jitter=True,
    max_retries=MAX_EMAIL_ATTEMPTS - 1,
    # Safe to redeliver: a second run cannot claim a row that is sending or sent. A worker lost
    # mid-task costs a late email — and, in the window described above, a duplicate with the
    # same Message-ID.
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_email(self, notification_id: int) -> str:
    from notifications.delivery import notification_deliver_email

    return notification_deliver_email(notification_id=notification_id, worker=self.request.hostname or "")


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
    from notifications.delivery import stale_email_ids

    ids = stale_email_ids(older_than=dt.timedelta(minutes=10), max_attempts=MAX_EMAIL_ATTEMPTS)
    for notification_id in ids:
        deliver_email.delay(notification_id)
    if ids:
        logger.info("re-queued %d stale emails", len(ids))
    return len(ids)


@shared_task(name="notifications.tasks.requeue_emails_now")
def requeue_emails_now(worker: str = "", started_at: str = "") -> int:
    """A worker started (`worker`, `started_at`: its node name and start time) or a broker came
    back: queue pending mail now, in the sweep's chunks (see delivery.requeue_after_restart)."""
    from notifications.delivery import requeue_after_restart
    from notifications.services import EMAIL_QUEUE_CHUNK

    started = dt.datetime.fromisoformat(started_at) if started_at else None
    ids = requeue_after_restart(worker=worker, started_at=started, max_attempts=MAX_EMAIL_ATTEMPTS)
    for start in range(0, len(ids), EMAIL_QUEUE_CHUNK):
        deliver_emails.delay(ids[start : start + EMAIL_QUEUE_CHUNK])
    if ids:
        logger.info("re-queued %d pending emails after a worker or broker came back", len(ids))
    return len(ids)


# When this worker process started, before it consumed anything: its node's claims older than this
# belong to an earlier life of the node.
_started_at: dt.datetime | None = None


@worker_init.connect
def _remember_start(**kwargs) -> None:
    global _started_at
    _started_at = dt.datetime.now(dt.UTC)


@worker_ready.connect
def _requeue_on_worker_ready(sender=None, **kwargs) -> None:
    started = _started_at or dt.datetime.now(dt.UTC)
    hostname = getattr(sender, "hostname", "") or ""
    try:
        requeue_emails_now.delay(worker=hostname, started_at=started.isoformat())
    except Exception:  # the broker may be gone again already; the sweep remains
        logger.exception("could not queue the requeue of pending emails at worker start")


class RequeueEmailsOnReconnect(bootsteps.StartStopStep):
    """A consumer bootstep: start() runs each time the consumer (re)connects to the broker. The
    first start is the worker's own (handled by worker_ready); every later one follows a broker
    outage, during which the web's publishes failed and left rows pending."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, parent) -> None:
        if getattr(parent, "restart_count", 0) > 0:
            try:
                requeue_emails_now.delay()
            except Exception:  # pragma: no cover - the connection just came back
                logger.exception("could not queue the requeue of pending emails after a reconnect")
