"""Calendar months: parsing "yyyy-mm" and a month's bounds in local time, for every app.

One definition of what a month parameter may be (2000-01 … 2100-12, zero-padded), used by the
ledger's month filters, the summaries' URLs and API, and the schema's pattern.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

# The schema's pattern for a month parameter: the same months Month.parse accepts.
MONTH_REGEX = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, value: str) -> Month:
        """'2026-03' -> Month; ValueError for anything else (the URL converter relies on it)."""
        year, _sep, month = (value or "").partition("-")
        if len(year) != 4 or len(month) != 2 or not (year + month).isdigit() or not (year + month).isascii():
            raise ValueError(value)
        parsed = cls(int(year), int(month))
        if not (1 <= parsed.month <= 12 and 2000 <= parsed.year <= 2100):
            raise ValueError(value)
        return parsed

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        """Local midnight of the first day (Asia/Shanghai), aware."""
        return timezone.make_aware(dt.datetime.combine(self.first_day, dt.time()))

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    @property
    def label(self) -> str:
        return _("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}


def current_month() -> Month:
    return Month.of(timezone.localdate())


def month_bounds(value: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Local midnight of the month's first day and of the next month's, or None for a bad value."""
    try:
        month = Month.parse(value)
    except ValueError:
        return None
    return month.start, month.end
