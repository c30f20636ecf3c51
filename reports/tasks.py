"""Scheduled freezing of last month's dispatch summary (beat entry in config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task

from reports.figures import current_month
from reports.services import monthly_summary_freeze


@shared_task(name="reports.tasks.freeze_last_month")
def freeze_last_month() -> int:
    """Freeze the month that just ended; safe to run again (already frozen scopes are kept)."""
    return len(monthly_summary_freeze(current_month().previous()))
