"""The few SQL expressions the rollups' triggers write differently on PostgreSQL and SQLite
(rollups.sql for the issues, clues.rollup for the campaign figures): local days and months of a
timestamp, months and quarters of a date, date literals.

The local day on SQLite comes from Django's own SQLite function, registered on every connection
Django opens; `settings.TIME_ZONE` is the local time zone, as TruncDate reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Dialect:
    vendor: str

    def local_day(self, column: str) -> str:
        tz = settings.TIME_ZONE
        if self.vendor == "postgresql":
            return f"(({column}) AT TIME ZONE '{tz}')::date"
        return f"django_datetime_cast_date({column}, '{tz}', 'UTC')"

    def local_month(self, column: str) -> str:
        """The first day of the local month of a timestamp."""
        tz = settings.TIME_ZONE
        if self.vendor == "postgresql":
            return f"date_trunc('month', ({column}) AT TIME ZONE '{tz}')::date"
        return f"strftime('%Y-%m-01', django_datetime_cast_date({column}, '{tz}', 'UTC'))"

    def month(self, column: str) -> str:
        """The first day of the month of a date."""
        if self.vendor == "postgresql":
            return f"date_trunc('month', {column})::date"
        return f"date({column}, 'start of month')"

    def quarter(self, column: str) -> str:
        """The first day of the quarter of a month a date falls in: the 1st, 8th, 15th, 22nd or 29th
        (rollups.models.quarter_of)."""
        if self.vendor == "postgresql":
            return f"(date_trunc('month', {column})::date + ((EXTRACT(DAY FROM {column})::int - 1) / 7) * 7)"
        return (
            f"date({column}, 'start of month', '+' || ((CAST(strftime('%d', {column}) AS INTEGER) - 1) / 7 * 7)"
            f" || ' days')"
        )

    def day(self, literal: str) -> str:
        return f"DATE {literal}" if self.vendor == "postgresql" else literal
