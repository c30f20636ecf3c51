"""Working-day arithmetic for deadlines: Chinese public holidays and make-up work days.

Order of truth for a date: an admin's WorkdayOverride, then the chinese-calendar package
(official State Council arrangements for the years it knows), then plain weekends. Callers can
ask `calendar_covers()` whether a date was decided by the official calendar so the UI can warn.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import chinese_calendar

_MAX_SPAN_DAYS = 3 * 366  # a deadline further than this is a typo, not a plan


# Cached: the package's answer for a day never changes while the process runs, and each call
# validates the date against its whole table (min/max over every holiday): ~0.15 ms a day, 90 ms
# for the two years a 红黑榜's oldest overdue issue can span.
@functools.lru_cache(maxsize=8192)
def _official_is_workday(day: dt.date) -> bool | None:
    """True/False from the official calendar, None when the package does not know that year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def calendar_covers(day: dt.date) -> bool:
    return _official_is_workday(day) is not None


@dataclass
class WorkCalendar:
    """Answers is_workday for a span with one query for the admin's overrides."""

    overrides: dict[dt.date, bool] = field(default_factory=dict)
    _first: dt.date | None = field(default=None, repr=False, compare=False)
    _running: list[int] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def for_span(cls, start: dt.date, end: dt.date, *, version: int | str | None = None) -> WorkCalendar:
        """The calendar for [start, end], with the admin's overrides of that span read in one
        query. With the committed data `version` (core.dataversion: one that follows the
        'calendar' domain, the overrides table) a read-only page reuses the overrides until anything commits. Writes never
        pass it: a transaction that just saved an override must see it."""
        from django.core.cache import cache

        from core.models import WorkdayOverride

        low, high = min(start, end), max(start, end)
        key = f"workday-overrides:{low}:{high}:v{version}" if version is not None else None
        overrides = cache.get(key) if key else None
        if overrides is None:
            rows = WorkdayOverride.objects.filter(date__range=(low, high)).values_list("date", "is_workday")
            overrides = dict(rows)
            if key:
                cache.set(key, overrides, 600)
        return cls(overrides=overrides)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = _official_is_workday(day)
        if official is not None:
            return official
        return day.weekday() < 5

    def workdays_after(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end] from this loaded calendar: no query, for counting many
        spans (a page of overdue issues) after one for_span() covering them all. Zero when end is
        not after start. Each day of the covered span is looked up once, however many spans ask:
        a page of issues two years overdue would otherwise walk 700 days per row."""
        if end <= start:
            return 0
        first = self._cover(start, end)
        return self._running[(end - first).days] - self._running[(start - first).days]

    def running(self, first: dt.date, last: dt.date) -> list[int]:
        """The working days in (first, first + i] at index i, for every day to `last`. A fresh
        calendar asked for a span it was loaded for reuses the counts of the last calendars with
        the same overrides (the city's figures ask for a year on every read)."""
        if self._first is None:
            self._first = first
            self._running = list(_running_counts(first, max(first, last), tuple(sorted(self.overrides.items()))))
        base = self._cover(first, max(first, last))
        offset = (first - base).days
        start = self._running[offset]
        return [total - start for total in self._running[offset : offset + (last - first).days + 1]]

    def _cover(self, start: dt.date, end: dt.date) -> dt.date:
        """Extends the loaded span to hold (start, end]; returns its first day."""
        # _running[i] = working days in (_first, _first + i]
        if (
            self._first is not None
            and self._first <= start
            and end <= self._first + dt.timedelta(days=len(self._running) - 1)
        ):
            return self._first
        if self._first is not None:
            start = min(start, self._first)
            end = max(end, self._first + dt.timedelta(days=len(self._running) - 1))
        running, total = [0], 0
        for offset in range(1, (end - start).days + 1):
            total += self.is_workday(start + dt.timedelta(days=offset))
            running.append(total)
        self._first, self._running = start, running
        return start


# The official calendar never changes while the process runs; the overrides are part of the key.
@functools.lru_cache(maxsize=16)
def _running_counts(first: dt.date, last: dt.date, overrides: tuple[tuple[dt.date, bool], ...]) -> tuple[int, ...]:
    """WorkCalendar._running from `first` to `last` with these overrides (WorkCalendar.running)."""
    calendar = WorkCalendar(overrides=dict(overrides))
    calendar._cover(first, last)
    return tuple(calendar._running)


def is_workday(day: dt.date) -> bool:
    return WorkCalendar.for_span(day, day).is_workday(day)


def add_working_days(start: dt.date, days: int, *, version: int | str | None = None) -> dt.date:
    """The date `days` working days after `start` (start itself not counted).

    add_working_days(Friday, 1) is the next working Monday. days=0 returns start unchanged.
    Negative days count backwards. `version`: see WorkCalendar.for_span (read-only callers).
    """
    if days == 0:
        return start
    step = 1 if days > 0 else -1
    calendar = WorkCalendar.for_span(start, start + dt.timedelta(days=step * (abs(days) * 3 + 30)), version=version)
    remaining = abs(days)
    day = start
    for _ in range(_MAX_SPAN_DAYS):
        day += dt.timedelta(days=step)
        if calendar.is_workday(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise ValueError("working-day span too long")


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start. Same day is 0."""
    if end == start:
        return 0
    if (end - start).days > _MAX_SPAN_DAYS or (start - end).days > _MAX_SPAN_DAYS:
        raise ValueError("working-day span too long")
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    return sign * WorkCalendar.for_span(low, high).workdays_after(low, high)


def next_workday_on_or_after(day: dt.date) -> dt.date:
    calendar = WorkCalendar.for_span(day, day + dt.timedelta(days=40))
    for _ in range(_MAX_SPAN_DAYS):
        if calendar.is_workday(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError("no working day found")
