"""Scheduled dispatch work. Tasks take ids/dates, call one service, and are safe to run twice."""

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="dispatch.tasks.plan_meetings")
def plan_meetings(month: str | None = None) -> list[int]:
    """Create the month's meeting per group if missing (month 'YYYY-MM-01', default: this month)."""
    from dispatch.services import meetings_plan_month

    day = dt.date.fromisoformat(month) if month else timezone.localdate()
    planned = meetings_plan_month(month=day.replace(day=1))
    logger.info("planned meetings: %s", planned)
    return planned


@shared_task(name="dispatch.tasks.plan_meeting")
def plan_meeting(group_id: int, month: str) -> int | None:
    from dispatch.services import meeting_plan_for_month

    meeting = meeting_plan_for_month(group_id=group_id, month=dt.date.fromisoformat(month))
    return meeting.pk if meeting else None


@shared_task(name="dispatch.tasks.send_meeting_reminders")
def send_meeting_reminders() -> int:
    """7-day, 1-day and morning-of reminders that are due and not yet sent."""
    from dispatch.services import meeting_reminders_send

    created = meeting_reminders_send()
    logger.info("meeting reminders created: %d", created)
    return created
