"""Frozen summaries never change; the current month is live; the beat task freezes last month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.models import MonthlySummary
from issues.models import Issue, IssueStatus
from reports.figures import Month, ReportScope, current_month
from reports.services import monthly_summary_freeze, summary_for
from reports.tasks import freeze_last_month
from tests.factories import IssueFactory
from tests.reports.conftest import SEPTEMBER, at

pytestmark = pytest.mark.django_db

CITY = ReportScope(key="all", label="全市")


def test_freeze_writes_city_and_each_group_once(september):
    w = september.world
    frozen = monthly_summary_freeze(SEPTEMBER)
    assert sorted(s.scope_key for s in frozen) == sorted(["all", f"group-{w.group.pk}", f"group-{w.other_group.pk}"])
    again = monthly_summary_freeze(SEPTEMBER)
    assert [s.pk for s in again] == [s.pk for s in frozen]
    assert MonthlySummary.objects.count() == 3
    city = MonthlySummary.objects.get(scope_key="all")
    assert city.figures["core"]["handed_off"] == 9 and city.figures["live"] is False
    assert "新交办问题9件" in city.narrative


def test_frozen_summary_does_not_change_after_data_changes(september):
    before = summary_for(month=SEPTEMBER, scope=CITY)
    assert before.frozen is not None and not before.live
    # Afterwards: an overdue issue is closed, a new one is back-dated into September, one withdrawn.
    Issue.objects.filter(code="SEP-A6").update(status=IssueStatus.CLOSED, closed_at=at(9, 29), submitted_at=at(9, 29))
    IssueFactory(
        project=september.world.project,
        handed_off_at=at(9, 15),
        sign_deadline=dt.date(2026, 9, 17),
        rectification_deadline=dt.date(2026, 9, 18),
    )
    Issue.objects.filter(code="SEP-A7").update(status=IssueStatus.WITHDRAWN, withdrawn_at=at(9, 20))
    after = summary_for(month=SEPTEMBER, scope=CITY)
    assert after.figures == before.figures
    assert after.narrative == before.narrative
    assert after.frozen.pk == before.frozen.pk


def test_current_month_is_live_and_not_frozen(world):
    month = current_month()
    IssueFactory(project=world.project)
    view = summary_for(month=month, scope=CITY)
    assert view.live and view.frozen is None
    assert view.figures["live"] is True and view.figures["core"]["handed_off"] == 1
    assert view.bulletin.sections[0].paragraphs[0].startswith("截至")
    assert not MonthlySummary.objects.exists()
    with pytest.raises(ValueError):
        monthly_summary_freeze(month)
    with pytest.raises(ValueError):
        summary_for(month=month.next(), scope=CITY)


def test_beat_task_freezes_last_month(world):
    last = current_month().previous()
    IssueFactory(
        project=world.project,
        handed_off_at=last.start + dt.timedelta(days=2, hours=3),
        sign_deadline=last.first_day + dt.timedelta(days=4),
        rectification_deadline=last.first_day + dt.timedelta(days=20),
    )
    assert freeze_last_month() == 3  # city + two groups
    summary = MonthlySummary.objects.get(month=last.first_day, scope_key="all")
    assert summary.figures["core"]["handed_off"] == 1
    assert freeze_last_month() == 3 and MonthlySummary.objects.count() == 3


def test_beat_schedule_names_a_task_the_worker_finds(settings):
    from config.celery_app import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovers tasks.py
    assert "reports.tasks.freeze_last_month" in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["reports-freeze-monthly-summary"]
    assert entry["task"] == "reports.tasks.freeze_last_month"
    assert entry["schedule"].day_of_month == {1, 2, 3, 4, 5}


def test_month_end_is_local_midnight():
    start = Month(2026, 10).start
    assert timezone.localtime(start).hour == 0 and start.utcoffset() == dt.timedelta(hours=8)
