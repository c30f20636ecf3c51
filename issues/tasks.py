"""Scheduled issue scans. Tasks parse input and call one service; safe to run twice."""

import datetime as dt
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="issues.tasks.deadline_alerts")
def deadline_alerts(today: str | None = None) -> dict[str, int]:
    """Due-soon, sign-for overdue, overdue and escalation alerts. `today` (ISO date) is for
    re-running a past day by hand; the beat entry passes nothing. Not acks_late: the scan is
    idempotent anyway, and a lost run is caught up by tomorrow's."""
    from issues.alerts import deadline_alerts_run

    counts = deadline_alerts_run(today=dt.date.fromisoformat(today) if today else None).as_dict()
    logger.info("deadline alerts: %s", counts)
    return counts
