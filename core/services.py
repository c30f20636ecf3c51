"""Writes of core's own records: the working-day calendar's overrides."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.holiday_notice import HolidayNotice
from core.models import WorkdayOverride


@dataclass(frozen=True)
class NoticeApplied:
    created: int
    changed: int
    unchanged: int


@transaction.atomic
def workday_overrides_apply_notice(*, notice: HolidayNotice) -> NoticeApplied:
    """Record every day of a read notice as a WorkdayOverride (days off and make-up working days).

    An override the admin entered earlier for the same date is updated to what the notice says;
    overrides for other dates are left alone (a local holiday stays). Running it twice changes
    nothing the second time."""
    existing = {o.date: o for o in WorkdayOverride.objects.select_for_update().filter(date__year=notice.year)}
    created = changed = unchanged = 0
    for day in notice.days:
        override = existing.get(day.date)
        if override is None:
            WorkdayOverride.objects.create(date=day.date, is_workday=day.is_workday, note=day.note[:100])
            created += 1
        elif override.is_workday != day.is_workday or override.note != day.note[:100]:
            override.is_workday = day.is_workday
            override.note = day.note[:100]
            override.save(update_fields=["is_workday", "note"])
            changed += 1
        else:
            unchanged += 1
    return NoticeApplied(created=created, changed=changed, unchanged=unchanged)
