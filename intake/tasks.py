"""The background hand-off of a large 问题清单 batch. Takes an id, calls one service; running it
twice hands nothing off twice (the batch's compare-and-set decides)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


# Thousands of hand-offs, each with its event and notifications: longer than the default limit.
@shared_task(name="intake.tasks.hand_off_batch", time_limit=60 * 60, soft_time_limit=55 * 60)
def hand_off_batch(batch_id: int) -> int:
    from intake.services import import_batch_run

    handed = import_batch_run(batch_id=batch_id)
    logger.info("intake batch %s: %s issues handed off", batch_id, handed)
    return handed
