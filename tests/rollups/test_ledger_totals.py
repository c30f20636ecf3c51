"""The ledger's and the API list's totals from the rollup (rollups.ledger) equal COUNT(*) over the
filtered issues, to the issue: for every common filter, alone and combined, and for every scope
(leader, inspectors of a group or by authorization, liaisons of a leading or an assisting
department). Where the rollup cannot say, the total is the issues' count."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.workdays import add_working_days
from issues.filters import STATUS_OPEN, IssueFilter, filtered_total, issue_filter_for
from issues.models import Issue, IssueCategory, IssueEvent, IssueStatus, Light
from rollups.ledger import rollup_condition, rollup_total
from tests.factories import IssueFactory

STATUSES = list(IssueStatus)


def _month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


@pytest.fixture
def issues(world):
    """Issues in every state, with deadlines around today (every light), sign-for deadlines past
    and ahead, closures on time and late in this month and the last, rework, withdrawals, reopen
    events and assisting departments, across both projects and all three departments."""
    rng = random.Random(17)
    today = timezone.localdate()
    now = timezone.now()
    departments = [world.lead_department, world.assisting_department, world.other_department]
    for _ in range(160):
        status = rng.choice(STATUSES)
        deadline = today + dt.timedelta(days=rng.randint(-12, 12))
        handed = now - dt.timedelta(days=rng.randint(0, 70))
        done = now - dt.timedelta(days=rng.randint(0, 40))
        lead = rng.choice(departments)
        issue = IssueFactory(
            project=rng.choice([world.project, world.other_project]),
            lead_department=lead,
            category=rng.choice(IssueCategory.values),
            status=status,
            handed_off_at=handed,
            sign_deadline=min(deadline, today + dt.timedelta(days=rng.randint(-5, 3))),
            rectification_deadline=deadline,
            submitted_at=done
            if status in (IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED) and rng.random() < 0.8
            else None,
            closed_at=done + dt.timedelta(days=rng.randint(0, 3)) if status == IssueStatus.CLOSED else None,
            withdrawn_at=done if status == IssueStatus.WITHDRAWN else None,
            return_count=rng.choice([0, 0, 1, 2]),
        )
        others = [department for department in departments if department != lead]
        issue.assisting_departments.set(rng.sample(others, rng.randint(0, 2)))
        if status == IssueStatus.CLOSED and rng.random() < 0.2:
            IssueEvent.objects.create(issue=issue, actor=world.inspector, action=IssueEvent.Action.REOPEN)
    return Issue.objects.all()


def _common_filters(world) -> list[dict[str, str]]:
    today = timezone.localdate()
    this_month, last_month = _month(today), _month(today.replace(day=1) - dt.timedelta(days=1))
    single = [
        {},
        {"status": STATUS_OPEN},
        *({"status": status} for status in IssueStatus.values),
        *({"light": light} for light in Light.values),
        {"lead_department": str(world.lead_department.pk)},
        {"lead_department": str(world.assisting_department.pk)},
        {"project": str(world.project.pk)},
        {"group": str(world.group.pk)},
        *({"category": category} for category in IssueCategory.values),
        {"returned": "1"},
        {"returned": "0"},
        {"on_time": "1"},
        {"on_time": "0"},
        {"withdrawn": "0"},
        {"withdrawn": "1"},
        {"closed_month": this_month},
        {"closed_month": last_month},
        {"withdrawn_month": this_month},
    ]
    combined = [
        {"status": STATUS_OPEN, "lead_department": str(world.lead_department.pk)},
        {"light": Light.RED, "project": str(world.project.pk)},
        {"light": Light.YELLOW, "category": IssueCategory.WORK_STYLE},
        {"light": Light.GREEN, "lead_department": str(world.other_department.pk), "status": IssueStatus.IN_PROGRESS},
        {"light": Light.NONE, "status": IssueStatus.CLOSED},
        {"status": IssueStatus.CLOSED, "on_time": "1"},  # the dashboard's drill-down
        {"month": this_month, "withdrawn": "0"},  # the trend's drill-down
        {"month": last_month, "withdrawn": "0", "project": str(world.other_project.pk)},
        {"closed_month": this_month, "on_time": "0", "returned": "1"},
        {"group": str(world.other_group.pk), "status": IssueStatus.HANDED_OFF, "light": Light.YELLOW},
        {"status": IssueStatus.WITHDRAWN, "light": Light.RED},  # nothing can be both
    ]
    return single + combined


def _scopes(world):
    return {
        "leader": world.leader,
        "admin": world.admin,
        "inspector of a group": world.inspector,
        "group lead": world.group_lead,
        "inspector of the other group": world.other_inspector,
        "inspector by authorization": world.authorized_inspector,
        "liaison of a leading department": world.lead_liaison,
        "liaison of an assisting department": world.assisting_liaison,
        "liaison of the other department": world.other_liaison,
    }


def test_every_common_filter_and_scope_counts_from_the_rollup_to_the_issue(world, issues):
    assert issues.count() == 160
    checked = 0
    for filters in _common_filters(world):
        for scope, user in _scopes(world).items():
            filterset = issue_filter_for(user=user, data=filters)
            expected = filterset.qs.count()
            assert rollup_condition(filterset) is not None, filters
            assert rollup_total(filterset, user) == expected, (scope, filters)
            checked += expected
    assert checked > 1000  # the cases count something


def test_what_the_rollup_cannot_say_is_counted_from_the_issues(world, issues):
    issue = issues.first()
    for filters in (
        {"q": "测试问题1"},
        {"q": issue.code},
        {"month": _month(timezone.localdate())},  # withdrawn issues too: no rollup kind holds them
        {"month": _month(timezone.localdate()), "closed_month": _month(timezone.localdate())},
    ):
        filterset = issue_filter_for(user=world.leader, data=filters)
        assert rollup_condition(filterset) is None, filters
        assert filtered_total(filterset, user=world.leader) == filterset.qs.count()


def test_a_user_with_two_scopes_is_counted_from_the_issues(world, issues):
    world.inspector.department = world.assisting_department
    world.inspector.save()
    world.inspector.groups.add(Group.objects.get_or_create(name=Role.LIAISON)[0])
    user = type(world.inspector).objects.get(pk=world.inspector.pk)
    assert user.is_inspector and user.is_liaison
    filterset = issue_filter_for(user=user, data={"status": STATUS_OPEN})
    assert rollup_total(filterset, user) is None
    assert filtered_total(filterset, user=user) == filterset.qs.count() > 0


def test_an_invalid_filter_is_left_out_as_the_rows_leave_it_out(world, issues):
    filterset = issue_filter_for(user=world.leader, data={"status": "nonsense", "light": Light.RED})
    assert rollup_total(filterset, world.leader) == filterset.qs.count() > 0


def test_the_yellow_light_follows_the_working_days(world, issues):
    """Yellow reaches DUE_SOON working days ahead: the rollup's range uses the same cutoff."""
    today = timezone.localdate()
    IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        rectification_deadline=add_working_days(today, 3),
        sign_deadline=today + dt.timedelta(days=1),
    )
    filterset = issue_filter_for(user=world.leader, data={"light": Light.YELLOW})
    assert rollup_total(filterset, world.leader) == filterset.qs.count()


def test_the_ledger_page_and_the_api_list_take_their_totals_from_the_rollup(client, world, issues):
    client.force_login(world.leader)
    expected = IssueFilter({"status": STATUS_OPEN}, queryset=Issue.objects.all()).qs.count()
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(reverse("issues:ledger"), {"status": STATUS_OPEN})
    assert page.context["page"].paginator.count == expected
    with CaptureQueriesContext(connection) as api_queries:
        listed = client.get("/api/v1/issues/", {"status": STATUS_OPEN}, HTTP_ACCEPT="application/json")
    assert listed.json()["count"] == expected
    for queries in (page_queries, api_queries):
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not any('FROM "issues_issue"' in sql for sql in counts), counts
        assert any("rollups_issuerollup" in q["sql"] for q in queries.captured_queries)
