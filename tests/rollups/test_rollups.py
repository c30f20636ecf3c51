"""The issue rollup the triggers keep equals the one rebuilt from the issues, after a random walk
of thousands of workflow actions through the real services (every write a user can make, with
stale copies), raw row edits and inserts (admin edits, the scale-data loader's issues inserted
closed with their reopen events after them) — and after concurrent actions on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from issues.errors import IssueWorkflowError
from issues.models import Issue, IssueCategory, IssueEvent, IssueStatus
from rollups.models import IssueRollup, Kind
from rollups.services import rollup_snapshot, rollups_rebuild
from tests.factories import IssueFactory
from tests.issues.test_invariants import WEIGHTS, _actions

STEPS = 2500


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
        issue = IssueFactory(
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
            Issue.objects.filter(pk=issue.pk).update(closed_at=handed + dt.timedelta(days=rng.randint(1, 90)))
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
    failures: list[str] = []
    done = [0]
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        close_old_connections()
        try:
            for _ in range(120):
                _name, action = rng.choices(actions, weights=weights)[0]
                issue = Issue.objects.get(pk=rng.choice(issue_ids))
                try:
                    action(issue, rng)
                except IssueWorkflowError:
                    continue
                with lock:
                    done[0] += 1
        except Exception as error:  # noqa: BLE001 — a deadlock or any other error fails the test
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert done[0] >= 80
    _assert_rebuilt_equals_maintained()
