import logging

from celery import shared_task
from django.db import connection

logger = logging.getLogger(__name__)


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> str:
    """Proves beat -> broker -> worker -> database works end to end."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    logger.info("heartbeat ok")
    return "ok"


@shared_task(name="core.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Daily: stored API answers older than a week (core.idempotency.KEEP_DAYS) are dropped."""
    from core.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
