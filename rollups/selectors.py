"""Reads of the rollup at the city's coarse grains (rollups.sql.city_branches): one statement that
fetches every row the city's dashboard, live summary and 红黑榜 need, a bounded number whatever
the issues — each part of it is an index range on (project, kind, day1) of the city's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Min, Q

from issues.models import IssueStatus
from rollups.models import ALL_CATEGORIES, NO_DAY, IssueRollup, Kind
from rollups.sql import CITY, TABLE

_COLUMNS = "kind, department_id, category, status, day1, day2, on_time, reworked, submitted, n"
# NO_DAY as a literal, on PostgreSQL (True) and SQLite.
NO_DAY_SQL = {True: f"DATE '{NO_DAY.isoformat()}'", False: f"'{NO_DAY.isoformat()}'"}


@dataclass(frozen=True)
class RunningWorkdays:
    """The working days in (first, first + i] at index i, from the calendar of the day read: the
    closures' hand-off days are weighed with them in the database (city_rows)."""

    first: dt.date
    counts: list[int]

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=len(self.counts) - 1)


class CityRow(NamedTuple):
    """One row of the city's rollup, as read. A named tuple, not a frozen dataclass: a day's read
    is about a thousand rows at 10 × S, and a frozen dataclass's __init__ sets each field
    through object.__setattr__."""

    kind: str
    department: int
    category: str
    status: str
    day1: dt.date
    day2: dt.date
    on_time: bool
    reworked: bool
    submitted: bool
    n: int
    # The department's names and its rank by name (the database's order, as ORDER BY name gives).
    name: str
    short_name: str
    name_rank: int
    # Only on a department's summed closures-by-hand-off-day row (kind Y, day2 NO_DAY; see
    # city_rows): Σ n × R(hand-off day), R the running working-day count handed to city_rows.
    workdays: int | None = None


def _date(value: object) -> dt.date:
    # SQLite's cursor gives dates as text; PostgreSQL's as dates.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def city_rows(
    *,
    today: dt.date,
    month_first: dt.date,
    quarter_first: dt.date,
    trend_first: dt.date,
    soon: dt.date,
    running: RunningWorkdays,
) -> list[CityRow]:
    """The city's rows read on `today`: every state row (S); the handed-off, withdrawn and closed
    rows of the month of `month_first` at every grain and of the months from `trend_first` for
    the whole city; the open deadlines before today as months before `month_first` (M), quarters
    from it to `quarter_first` (Q) and days from there (O), plus the whole city's days up to `soon`
    and its unsigned issues' rows past `soon` (the yellow light); the late sign-fors of the month
    before today (L); the month's closures by department and day closed (X) and day handed off
    (Y). Rows counting nothing are left out.

    The hand-off days (Y) come back summed, one row per department (day2 NO_DAY, `workdays` =
    Σ n × running.counts[day2 − running.first]): a department × day row each, they were 2,500 of
    the 3,400 rows at 10 × S, each converted and weighed in Python. Days outside `running`'s
    span (an issue closed more than its span after its hand-off) come back as they are."""
    parts: list[tuple[str, list[dt.date | str]]] = [
        # The state rows in two index ranges of (kind, project, department, category): the whole
        # city and its categories (department 0), and its departments (category ''). Said as one
        # range (kind and project alone) PostgreSQL estimates tens of thousands of rows at 10 × S
        # (project 0 and kind S are each common, together rare: a few hundred) and plans the whole
        # union in parallel workers, whose start-up costs more than the rows.
        (f"kind = '{Kind.STATE}' AND department_id = 0", []),
        (f"kind = '{Kind.STATE}' AND department_id <> 0 AND category = ''", []),
        (f"kind IN ('{Kind.HANDED_OFF}', '{Kind.WITHDRAWN}', '{Kind.CLOSED}') AND day1 = %s", [month_first]),
        (
            f"kind IN ('{Kind.HANDED_OFF}', '{Kind.CLOSED}') AND day1 >= %s AND day1 < %s"
            " AND department_id = 0 AND category = ''",
            [trend_first, month_first],
        ),
        (f"kind = '{Kind.MONTH}' AND day1 < %s", [month_first]),
        (f"kind = '{Kind.QUARTER}' AND day1 >= %s AND day1 < %s", [month_first, quarter_first]),
        (
            f"kind = '{Kind.OWES}' AND day1 >= %s AND day1 <= %s"
            " AND (day1 < %s OR (department_id = 0 AND category = ''))",
            [quarter_first, max(soon, today), today],
        ),
        (
            f"kind = '{Kind.OWES}' AND department_id = 0 AND category = '' AND status = %s AND day1 > %s AND day2 < %s",
            [IssueStatus.HANDED_OFF.value, max(soon, today), today],
        ),
        (f"kind = '{Kind.LATE_SIGN_FOR}' AND day1 >= %s AND day1 < %s", [month_first, today]),
        # The month's closures by department and day closed, and by day handed off.
        (f"kind = '{Kind.CLOSE_DAY}' AND day1 >= %s AND day1 < %s", [month_first, _next_month(month_first)]),
        (
            f"kind = '{Kind.CLOSED_HANDED_OFF_DAY}' AND day1 = %s AND (day2 < %s OR day2 > %s)",
            [month_first, running.first, running.last],
        ),
    ]
    postgresql = connection.vendor == "postgresql"
    no_weight = "CAST(NULL AS bigint)" if postgresql else "NULL"
    selects = [
        f"SELECT {_COLUMNS}, {no_weight} AS workdays FROM {TABLE} WHERE project_id = {CITY} AND n <> 0 AND {where}"
        for where, _ in parts
    ]
    params = [value for _, values in parts for value in values]
    # Each department's hand-off days inside the span, summed and weighed here.
    if postgresql:
        # The counts as one array literal: a list of ints is bound element by element (1.4 ms
        # for a year of days).
        weight = "(%s::int[])[(day2 - %s::date) + 1]"
        params += ["{" + ",".join(map(str, running.counts)) + "}", running.first]
    else:
        weight = "json_extract(%s, '$[' || CAST(julianday(day2) - julianday(%s) AS INTEGER) || ']')"
        params += ["[" + ",".join(map(str, running.counts)) + "]", running.first.isoformat()]
    selects.append(
        f"SELECT '{Kind.CLOSED_HANDED_OFF_DAY}', department_id, category, status, day1, {NO_DAY_SQL[postgresql]},"
        f" on_time, reworked, submitted, SUM(n), SUM(n * {weight}) FROM {TABLE}"
        f" WHERE project_id = {CITY} AND n <> 0 AND kind = '{Kind.CLOSED_HANDED_OFF_DAY}' AND day1 = %s"
        " AND day2 >= %s AND day2 <= %s"
        " GROUP BY department_id, category, status, day1, on_time, reworked, submitted"
    )
    params += [month_first, running.first, running.last]
    union = "\nUNION ALL ".join(selects)
    sql = (
        "SELECT r.kind, r.department_id, r.category, r.status, r.day1, r.day2, r.on_time, r.reworked,"
        " r.submitted, r.n, d.name, d.short_name, DENSE_RANK() OVER (ORDER BY d.name), r.workdays"
        f" FROM ({union}) AS r LEFT JOIN accounts_department d ON d.id = r.department_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if postgresql:  # dates and booleans as the columns' types
        return [
            CityRow._make((*row[:11], row[11] or "", row[12], row[13])) if row[10] is not None else _named(row)
            for row in rows
        ]
    return [_named(row) for row in rows]


def _named(row: tuple[Any, ...]) -> CityRow:
    kind, department, category, status, day1, day2, on_time, reworked, submitted, n, name, short_name, rank, weight = (
        row
    )
    return CityRow(
        kind=kind,
        department=department,
        category=category,
        status=status,
        day1=_date(day1),
        day2=_date(day2),
        on_time=bool(on_time),
        reworked=bool(reworked),
        submitted=bool(submitted),
        n=n,
        name=name or "",
        short_name=short_name or "",
        name_rank=rank,
        workdays=weight,
    )


def oldest_deadlines(*, windows: dict[int, tuple[dt.date, dt.date]]) -> dict[int, dt.date]:
    """For each department, the earliest deadline of its open issues not submitted for
    verification within [start, end) (the bucket city_rows found it in): a day range of at most
    a month per department. One query, even with no window (the query count stays the same)."""
    rows = IssueRollup.objects.filter(project_id=CITY, kind=Kind.OWES, category=ALL_CATEGORIES, n__gt=0)
    where = Q(day1__lt=NO_DAY)  # nothing: no department asks
    by_window: dict[tuple[dt.date, dt.date], list[int]] = {}
    for department, window in windows.items():
        by_window.setdefault(window, []).append(department)
    for (start, end), departments in by_window.items():
        # Departments whose oldest bucket is the same month or quarter share one condition.
        where |= Q(department_id__in=sorted(departments), day1__gte=start, day1__lt=end)
    if windows:
        # The span of every window, as the index range of (project, kind, day1) to read.
        span = Q(
            day1__gte=min(start for start, _ in windows.values()), day1__lt=max(end for _, end in windows.values())
        )
        rows = rows.filter(span)
    return dict(
        rows.filter(where)
        .exclude(department_id=0)
        .values("department_id")
        .annotate(m=Min("day1"))
        .values_list("department_id", "m")
    )
