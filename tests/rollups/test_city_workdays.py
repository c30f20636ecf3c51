"""The working days to close (平均办结用时) and the days overdue read from the city's rollup equal
the scan's: the closures' hand-off days inside the span the read weighs in the database
(rollups.selectors.city_rows, across holiday overrides), one handed off before that span (read as
its own row), and a department overdue since before the span (its calendar read again, with the
overrides of its own days)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from core.models import WorkdayOverride
from issues.models import IssueStatus
from reports import figures
from reports.figures import HAND_OFF_SPAN, Month, ReportScope
from rollups.models import Kind
from tests.factories import DepartmentFactory, IssueFactory, ProjectFactory
from tests.rollups.test_rollups import _NONE, _ROLLUP, _differences


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def test_city_working_days_to_close_equal_the_scan_inside_and_before_the_weighed_span(db):
    now = timezone.now()
    today = timezone.localdate()
    month = Month.of(today)
    project = ProjectFactory()
    prompt, slow = DepartmentFactory(name="甲局"), DepartmentFactory(name="乙局")

    def closed(department, days_before: int) -> None:
        handed = now - dt.timedelta(days=days_before)
        IssueFactory(
            project=project,
            lead_department=department,
            status=IssueStatus.CLOSED,
            handed_off_at=handed,
            signed_at=handed,
            closed_at=now,
            sign_deadline=timezone.localdate(handed),
            rectification_deadline=timezone.localdate(handed) + dt.timedelta(days=30),
        )

    for days in (0, 3, 40, 40, 200):
        closed(prompt, days)
    closed(slow, 90)
    before_span = (today - month.first_day).days + HAND_OFF_SPAN.days + 30
    closed(slow, before_span)  # handed off before the weighed span
    # Overdue since before the span: its days overdue need the calendar of those years.
    old_deadline = month.first_day - HAND_OFF_SPAN - dt.timedelta(days=60)
    IssueFactory(
        project=project,
        lead_department=slow,
        status=IssueStatus.IN_PROGRESS,
        handed_off_at=now - dt.timedelta(days=before_span + 90),
        signed_at=now - dt.timedelta(days=before_span + 89),
        sign_deadline=old_deadline - dt.timedelta(days=20),
        rectification_deadline=old_deadline,
    )
    # Holidays on working days inside the span, before it, and a make-up working Saturday: a
    # figure that missed one would be a day off.
    for day in (_weekday(today - dt.timedelta(days=20)), _weekday(today - dt.timedelta(days=150))):
        WorkdayOverride.objects.create(date=day, is_workday=False, note="测试假日")
    WorkdayOverride.objects.create(date=_weekday(old_deadline + dt.timedelta(days=10)), is_workday=False)
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 + 35)
    WorkdayOverride.objects.create(date=saturday, is_workday=True, note="调休上班")

    city = figures._city_read(today)
    handed_rows = [r for r in city.rows if r.kind == Kind.CLOSED_HANDED_OFF_DAY]
    # Both paths ran: a summed and weighed row per department, and the early hand-off as it is.
    assert {r.department for r in handed_rows if r.workdays is not None} == {prompt.pk, slow.pk}
    assert [(r.department, r.day2 < city.running.first) for r in handed_rows if r.workdays is None] == [(slow.pk, True)]

    scope = ReportScope(key="all", label="全市")
    read = {}
    for source, rollup in (("rollup", _ROLLUP), ("scan", _NONE)):
        with mock.patch.object(figures, "_rollup", side_effect=rollup):
            summary = figures.monthly_figures(month=month, scope=scope, today=today)
            read[source] = (summary["core"]["avg_close_working_days"], summary["ranking"], summary["overdue_list"])
    assert not _differences(read["rollup"], read["scan"]), _differences(read["rollup"], read["scan"])
    rows = {row["id"]: row for row in read["rollup"][1]["rows"]}
    assert rows[prompt.pk]["avg_close_working_days"] is not None
    assert rows[slow.pk]["max_overdue_working_days"] > 250  # more than the span: a year of working days
