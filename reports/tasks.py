"""Scheduled freezing of last month's dispatch summary, and background exports (beat entries in
config/settings/base.py). Tasks take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from reports.export_jobs import export_job_expire_due, export_job_run
from reports.figures import current_month
from reports.services import monthly_summary_freeze


@shared_task(name="reports.tasks.freeze_last_month")
def freeze_last_month() -> int:
    """Freeze the month that just ended; safe to run again (already frozen scopes are kept)."""
    return len(monthly_summary_freeze(current_month().previous()))


@shared_task(
    name="reports.tasks.run_export_job",
    # An export of 600k rows takes minutes: its own limit, above the default tasks' 5 minutes.
    soft_time_limit=settings.DUDAO_EXPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.DUDAO_EXPORT_TIME_LIMIT_SECONDS + 60,
)
def run_export_job(job_id: int) -> str:
    """Build one export job's file; a duplicate delivery finds the job claimed and does nothing."""
    job = export_job_run(job_id=job_id)
    return job.state if job is not None else "skipped"


@shared_task(name="reports.tasks.expire_exports")
def expire_exports() -> int:
    """Delete export files past their time (jobs stay, marked expired); fail jobs whose task was lost."""
    return export_job_expire_due()
