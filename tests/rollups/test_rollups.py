"""The issue rollup the triggers keep equals the one rebuilt from the issues, after a random walk
of thousands of workflow actions through the real services (every write a user can make, with
stale copies), raw row edits and inserts (admin edits, the scale-data loader's issues inserted
closed with their reopen events after them) — and after concurrent actions on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import random
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from issues.errors import IssueWorkflowError
from issues.models import Issue, IssueCategory, IssueEvent, IssueStatus
from reports import figures
from reports.figures import Month, ReportScope, dashboard_scope_for
from rollups.models import IssueRollup, Kind
from rollups.services import rollup_snapshot, rollups_rebuild
from tests.concurrency import run_writers
from tests.factories import IssueFactory
from tests.issues.test_invariants import WEIGHTS, _actions
from tests.reports.test_views import SCOPED_DASHBOARD_FIGURE_QUERIES, SCOPED_SUMMARY_FIGURE_QUERIES, _populate

STEPS = int(os.environ.get("ROLLUP_TEST_STEPS", "2500"))


def _assert_rebuilt_equals_maintained() -> None:
    maintained = rollup_snapshot()
    rollups_rebuild()
    rebuilt = rollup_snapshot()
    differing = {key: (maintained.get(key), rebuilt.get(key)) for key in maintained.keys() | rebuilt.keys()}
    differing = {key: pair for key, pair in differing.items() if pair[0] != pair[1]}
    assert differing == {}
    assert rebuilt  # the walk left something to count


def _raw_step(world, rng: random.Random, issue_ids: list[int]) -> None:
    """A write that bypasses the services: an admin's edit of the keyed columns, or an issue row
    inserted as the loader does, closed, with its reopen event inserted after it."""
    today = timezone.localdate()
    choice = rng.random()
    if choice < 0.3:
        pk = rng.choice(issue_ids)
        deadline = today + dt.timedelta(days=rng.randint(-40, 40))
        Issue.objects.filter(pk=pk).update(
            rectification_deadline=deadline,
            sign_deadline=min(deadline, today + dt.timedelta(days=rng.randint(-10, 5))),
            category=rng.choice(IssueCategory.values),
        )
    elif choice < 0.4:
        pk = rng.choice(issue_ids)
        Issue.objects.filter(pk=pk).update(
            project=rng.choice([world.project, world.other_project]),
            lead_department=rng.choice([world.lead_department, world.other_department]),
        )
    else:
        status = rng.choice(list(IssueStatus.values))
        handed = timezone.now() - dt.timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23))
        issue: Issue = IssueFactory(  # type: ignore[assignment]
            project=rng.choice([world.project, world.other_project]),
            lead_department=world.lead_department,
            handed_off_by=world.inspector,
            status=status,
            handed_off_at=handed,
            sign_deadline=handed.date() + dt.timedelta(days=3),
            rectification_deadline=handed.date() + dt.timedelta(days=rng.randint(3, 60)),
            return_count=rng.randint(0, 2),
        )
        if status == IssueStatus.CLOSED:
            closed = min(handed + dt.timedelta(days=rng.randint(1, 90)), timezone.now())
            Issue.objects.filter(pk=issue.pk).update(closed_at=closed)
            if rng.random() < 0.5:
                IssueEvent.objects.create(
                    issue=issue, actor=world.inspector, action=IssueEvent.Action.REOPEN, from_status="closed"
                )
        issue_ids.append(issue.pk)


@pytest.mark.django_db
def test_the_maintained_rollup_equals_the_rebuilt_one_after_a_random_walk(world):
    rng = random.Random(17)
    today = timezone.localdate()
    issue_ids = [
        world.hand_off(
            title=f"随机问题{n}",
            category=rng.choice(IssueCategory.values),
            rectification_deadline=today + dt.timedelta(days=rng.randint(1, 30)),
        ).pk
        for n in range(12)
    ]
    actions = _actions(world)
    weights = [WEIGHTS.get(name, 3) for name, _ in actions]
    done: dict[str, int] = {}
    for _step in range(STEPS):
        if rng.random() < 0.08:
            _raw_step(world, rng, issue_ids)
            continue
        name, action = rng.choices(actions, weights=weights)[0]
        issue = Issue.objects.get(pk=rng.choice(issue_ids))
        try:
            action(issue, rng)
        except IssueWorkflowError:
            continue
        done[name] = done.get(name, 0) + 1
    # The walk went everywhere the figures look.
    for name in ("sign", "submit", "confirm_close", "return", "reopen", "withdraw", "extension_decide"):
        assert done.get(name, 0) >= 3, done
    assert IssueRollup.objects.filter(kind=Kind.CLOSED, on_time=True, n__gt=0).exists()
    assert IssueRollup.objects.filter(kind=Kind.CLOSED, on_time=False, n__gt=0).exists()
    _assert_rebuilt_equals_maintained()
    call_command("rebuild_rollups", "--check")
    _assert_figures_read_from_the_rollup_equal_the_scans(world)


def _assert_figures_read_from_the_rollup_equal_the_scans(world) -> None:
    """The dashboard and the live month's summary give the same figures, to the issue, whether
    read from the rollup or by scanning the issues (reports.figures without a rollup)."""
    today = timezone.localdate()  # one day for every read, even across midnight
    month = Month.of(today)
    scopes = [
        dashboard_scope_for(user=world.leader),
        dashboard_scope_for(user=world.inspector),
        dashboard_scope_for(user=world.authorized_inspector),
        ReportScope(key="all", label="全市"),
        ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk),
    ]
    read = {}
    for source in ("rollup", "scan"):
        with mock.patch.object(
            figures, "_rollup", side_effect=None if source == "rollup" else lambda scope, **kwargs: None
        ) as m:
            if source == "rollup":
                m.side_effect = _ROLLUP
            read[source] = [
                (
                    figures.dashboard_figures(scope=scope, today=today),
                    {
                        k: v
                        for k, v in figures.monthly_figures(month=month, scope=scope, today=today).items()
                        if k != "computed_at"
                    },
                )
                for scope in scopes
            ]
    # The day turning: the city's figures read on later days (another quarter of the month, the
    # next month) still equal the scans, with nothing run in between.
    city, leader = ReportScope(key="all", label="全市"), dashboard_scope_for(user=world.leader)
    for later in (3, 9, 17, 40):
        day = today + dt.timedelta(days=later)
        for source in ("rollup", "scan"):
            with mock.patch.object(figures, "_rollup", side_effect=_ROLLUP if source == "rollup" else _NONE):
                read[source].append(
                    (
                        figures.dashboard_figures(scope=leader, today=day),
                        {
                            k: v
                            for k, v in figures.monthly_figures(month=Month.of(day), scope=city, today=day).items()
                            if k != "computed_at"
                        },
                    )
                )
    differences = _differences(read["rollup"], read["scan"])
    assert not differences, "\n".join(sorted(differences)[:60])
    assert read["rollup"][0][0]["cards"]["closed"] > 0
    assert read["rollup"][0][0]["cards"]["red"] > 0


_ROLLUP = figures._rollup


def _NONE(scope, **kwargs):  # noqa: N802 — the scan: no rollup for any scope
    return None


def _differences(left, right, path: str = "") -> list[str]:
    """Where two figure trees differ, as paths (a readable failure instead of two long dicts)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return [
            d
            for key in left.keys() | right.keys()
            for d in _differences(left.get(key), right.get(key), f"{path}.{key}")
        ]
    if isinstance(left, list | tuple) and isinstance(right, list | tuple) and len(left) == len(right):
        return [d for i, (a, b) in enumerate(zip(left, right, strict=True)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_maintained_rollup_equals_the_rebuilt_one_after_concurrent_actions(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    issue_ids = [
        world.hand_off(title=f"并发问题{n}", category=IssueCategory.values[n % len(IssueCategory.values)]).pk
        for n in range(10)
    ]
    actions = _actions(world)
    weights = [WEIGHTS.get(name, 3) for name, _ in actions]

    def step(rng: random.Random) -> bool:
        _name, action = rng.choices(actions, weights=weights)[0]
        issue = Issue.objects.get(pk=rng.choice(issue_ids))
        try:
            action(issue, rng)
        except IssueWorkflowError:
            return False
        return True

    assert run_writers(step, steps=120) >= 80
    _assert_rebuilt_equals_maintained()


@pytest.mark.django_db
def test_the_dashboard_and_the_ranking_read_the_rollup_not_the_issues(world):
    """The dashboard's figures (cards, trend, categories, projects, 红黑榜) come from the rollup:
    their cost does not follow the issue count. The whole city's read no issue at all (the working
    days to close come from the closures' days, rollup kinds X and Y); a group lead's and a special
    inspector's read only their projects' closures of the month. Their scope is an IN over their
    projects; a user who is also a liaison still scans (the rollup does not key assisted issues)."""
    for n in range(3):
        world.hand_off(title=f"问题{n}")
    for user in (world.leader, world.inspector, world.authorized_inspector):
        with CaptureQueriesContext(connection) as captured:
            figures.dashboard_figures(scope=dashboard_scope_for(user=user))
        statements = [q["sql"] for q in captured.captured_queries]
        reads = [sql for sql in statements if '"issues_issue"' in sql]
        if user is world.leader:
            assert reads == []
        else:  # the days the month's closures of their projects took (closed_at index)
            assert len(reads) == 1 and '"issues_issue"."closed_at" >=' in reads[0], reads
        assert any('"rollups_issuerollup"' in sql for sql in statements)
    assert figures._rollup(dashboard_scope_for(user=world.other_inspector)).aggregate(total=Sum("n"))["total"] is None
    world.inspector.department = world.lead_department
    world.inspector.groups.add(Group.objects.get_or_create(name=str(Role.LIAISON))[0])
    world.inspector.save()
    both = User.objects.get(pk=world.inspector.pk)
    assert figures._rollup(dashboard_scope_for(user=both)) is None


@pytest.mark.parametrize("n", [10, 120])
def test_scoped_figures_read_from_the_rollup_run_the_pinned_queries(world, n, django_assert_num_queries):
    """A group lead's and a special inspector's dashboard, and a group's live summary, read the
    rollup in as many queries as the city's (tests/reports/test_views.py), whatever the rows."""
    _populate(world, n)
    for user in (world.group_lead, world.authorized_inspector):
        scope = dashboard_scope_for(user=user)
        assert figures._rollup(scope) is not None
        with django_assert_num_queries(SCOPED_DASHBOARD_FIGURE_QUERIES):
            figures.dashboard_figures(scope=scope)
    group = ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk)
    with django_assert_num_queries(SCOPED_SUMMARY_FIGURE_QUERIES):
        figures.monthly_figures(month=Month.of(timezone.localdate()), scope=group)
