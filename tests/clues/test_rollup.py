"""The clue rollup the triggers keep (clues.rollup) equals the one rebuilt from the clues after a
random walk of every step a user can take through the services and of raw row edits (an admin's
dates, a clue moved to another project, people added, changed and deleted), and after concurrent
steps on PostgreSQL; and the campaign figures read from it equal the figures counted from the
clues, to the person, for every scope and month."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clues import services
from clues.errors import ClueError
from clues.figures import CAMPAIGN_KEYS, campaign_counts, campaign_counts_rolled_up
from clues.models import Clue, ClueRollup, ClueSubject
from clues.rollup import CITY, TABLE, project_facts
from clues.services import clue_rollup_rebuild, clue_rollup_snapshot
from core.months import Month
from core.sqldialect import Dialect
from reports.figures import ReportScope, dashboard_scope_for, monthly_figures
from tests.concurrency import run_writers

STEPS = int(os.environ.get("CLUE_ROLLUP_TEST_STEPS", "1000"))


def _assert_rebuilt_equals_maintained() -> None:
    maintained = clue_rollup_snapshot()
    clue_rollup_rebuild()
    rebuilt = clue_rollup_snapshot()
    differing = {key: (maintained.get(key), rebuilt.get(key)) for key in maintained.keys() | rebuilt.keys()}
    assert {key: pair for key, pair in differing.items() if pair[0] != pair[1]} == {}
    assert rebuilt  # the walk left something to count


def _counted_afresh() -> dict[tuple[str, int, dt.date], int]:
    """What the rebuild would write, read without writing it: every project's rows and the city's."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT figure, project_id, month, n FROM ({project_facts(Dialect(connection.vendor), None)}) f"
        )
        rows = cursor.fetchall()
    counted: dict[tuple[str, int, dt.date], int] = {}
    for figure, project_id, month, n in rows:
        month = dt.date.fromisoformat(month) if isinstance(month, str) else month
        counted[(figure, project_id, month)] = n
        counted[(figure, CITY, month)] = counted.get((figure, CITY, month), 0) + n
    return counted


def _past_day(rng: random.Random, not_before: dt.date | None = None) -> dt.date:
    """A day of the last four months, never before the previous step's (the services refuse it)."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=rng.randint(0, 120))
    return max(day, not_before) if not_before is not None else day


# The steps a clue in each state may take next (the services refuse the others; a few refused
# ones stay in, to be refused).
NEXT = {
    "registered": ["add", "hand_over", "hand_over", "verify"],
    "handed_over": ["verify", "verify", "add", "dispose"],
    "verifying": ["dispose", "dispose", "add"],
    "shelved": ["resume", "expose"],
    "talk": ["outcome", "expose"],
    "closed": ["expose", "resume"],
    "case": ["outcome", "outcome", "conclude", "expose"],
    "concluded": ["outcome", "expose"],
}


class Walk:
    """The steps of a clue's life, each by whoever the rules let take it on the clue's project."""

    def __init__(self, world, rng: random.Random):
        self.world, self.rng = world, rng
        self.actors = {
            world.project.pk: [world.inspector, world.group_lead, world.leader],
            world.other_project.pk: [world.other_inspector, world.leader],
        }

    def _as_anyone(self, clue: Clue, step) -> bool:
        for actor in self.actors[clue.project_id]:
            try:
                step(actor)
            except ClueError:
                continue
            return True
        return False

    def register(self) -> None:
        rng, world = self.rng, self.world
        project = rng.choice([world.project, world.other_project])
        actor = world.inspector if project == world.project else world.other_inspector
        services.clue_register(
            actor=actor,
            project=project,
            title=f"线索{rng.randint(1, 10**6)}",
            description="反映的问题。",
            subjects=[{"name": f"某{n}"} for n in range(rng.randint(0, 3))],
        )

    def step(self, clue: Clue) -> bool:
        rng = self.rng
        subjects = list(clue.subjects.all())
        choice = rng.choice(NEXT.get(clue.status, ["add"]))
        steps = {
            "add": lambda actor: services.clue_add_subject(clue=clue, actor=actor, name=f"新{rng.randint(1, 99)}"),
            "hand_over": lambda actor: services.clue_hand_over(clue=clue, actor=actor, received_on=_past_day(rng)),
            "verify": lambda actor: services.clue_start_verification(
                clue=clue, actor=actor, note="核实。", on=_past_day(rng, clue.received_on)
            ),
            "dispose": lambda actor: services.clue_dispose(
                clue=clue,
                actor=actor,
                disposal=rng.choice(["close", "talk", "shelve", "file_case", "file_case"]),
                note="处置。",
                on=_past_day(rng, clue.verification_started_on),
            ),
            "resume": lambda actor: services.clue_resume(clue=clue, actor=actor, note="恢复。"),
            "outcome": lambda actor: services.clue_record_outcome(
                clue=clue,
                actor=actor,
                subject=rng.choice(subjects),
                supervision_form=rng.choice(["1", "2", "3", "4"]),
                party_sanction=rng.choice(["", "warning", "probation"]),
                government_sanction=rng.choice(["", "", "demerit"]),
                organizational_measure=rng.choice(["", "", "removal"]),
                decided_on=_past_day(rng, clue.filed_on),
            ),
            "conclude": lambda actor: services.clue_conclude(
                clue=clue, actor=actor, note="终结。", on=_past_day(rng, clue.filed_on)
            ),
            "expose": lambda actor: services.clue_expose(
                clue=clue,
                actor=actor,
                exposed_on=_past_day(rng, clue.disposed_on),
                named=rng.sample(subjects, k=rng.randint(0, len(subjects))),
                note="通报。",
            ),
        }
        if choice == "outcome" and not subjects:
            return False
        return self._as_anyone(clue, steps[choice])

    def raw(self, clue_ids: list[int]) -> None:
        """A write outside the services: an admin's edit of the counted columns, a clue moved to
        the other project, a person concerned inserted, changed or deleted."""
        rng, world = self.rng, self.world
        pk = rng.choice(clue_ids)
        choice = rng.random()
        if choice < 0.25:
            Clue.objects.filter(pk=pk, received_on__isnull=False).update(
                received_on=_past_day(rng), exposed_on=rng.choice([None, _past_day(rng)])
            )
        elif choice < 0.4:
            Clue.objects.filter(pk=pk).update(project=rng.choice([world.project, world.other_project]))
        elif choice < 0.6:
            ClueSubject.objects.create(
                clue_id=pk,
                name="补录",
                supervision_form=rng.choice(["", "1", "4"]),
                party_sanction=rng.choice(["", "expulsion"]),
                sanction_unclassified=rng.random() < 0.2,
                decided_on=rng.choice([None, _past_day(rng)]),
                exposed=rng.random() < 0.5,
            )
        elif choice < 0.8:
            subject = ClueSubject.objects.filter(clue_id=pk).first()
            if subject is not None:
                ClueSubject.objects.filter(pk=subject.pk).update(
                    clue_id=rng.choice(clue_ids), decided_on=_past_day(rng), organizational_measure="demotion"
                )
        else:
            subject = ClueSubject.objects.filter(clue_id=pk).last()
            if subject is not None:
                subject.delete()


def _scopes(world) -> list[ReportScope]:
    return [
        ReportScope(key="all", label="全市"),
        ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk),
        ReportScope(key=f"group-{world.other_group.pk}", label="组", group_id=world.other_group.pk),
        dashboard_scope_for(user=world.leader),
        dashboard_scope_for(user=world.inspector),
        dashboard_scope_for(user=world.authorized_inspector),
        dashboard_scope_for(user=world.other_inspector),
    ]


def _assert_rolled_up_equals_counted(world) -> None:
    """Every scope, every month of the walk and the next: the rollup's figures are the count's."""
    month = Month.of(timezone.localdate()).next()
    checked = 0
    for _ in range(6):
        for scope in _scopes(world):
            project_q = scope.project_q()
            clues = Clue.objects.filter(project_q) if project_q is not None else Clue.objects.all()
            counted = campaign_counts(clues=clues, first_day=month.first_day, last_day=month.last_day)
            rolled_up = campaign_counts_rolled_up(
                project_q=project_q, first_day=month.first_day, last_day=month.last_day
            )
            assert rolled_up == counted, (scope.key, month)
            checked += sum(counted["month"].values())
        month = month.previous()
    assert checked > 0


@pytest.mark.django_db
def test_the_maintained_clue_rollup_equals_the_rebuilt_one_after_a_random_walk(world):
    rng = random.Random(23)
    walk = Walk(world, rng)
    for _ in range(12):
        walk.register()
    done = 0
    for _step in range(STEPS):
        clue_ids = list(Clue.objects.values_list("pk", flat=True))
        roll = rng.random()
        if roll < 0.05:
            walk.register()
        elif roll < 0.15:
            walk.raw(clue_ids)
        else:
            done += walk.step(Clue.objects.get(pk=rng.choice(clue_ids)))
        # After every step, not only at the end: a recount of a project heals whatever an
        # earlier change of that project missed, so a missed change shows only until the next.
        assert clue_rollup_snapshot() == _counted_afresh(), _step
    assert done >= STEPS // 4
    # The walk went everywhere the figures look.
    for field in ("received_on", "filed_on", "exposed_on"):
        assert Clue.objects.filter(**{f"{field}__isnull": False}).count() >= 3, field
    assert ClueSubject.objects.exclude(party_sanction="").filter(decided_on__isnull=False).count() >= 3
    assert ClueSubject.objects.filter(exposed=True, clue__exposed_on__isnull=False).count() >= 3
    _assert_rebuilt_equals_maintained()
    call_command("rebuild_rollups", "--check")
    _assert_rolled_up_equals_counted(world)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_maintained_clue_rollup_equals_the_rebuilt_one_after_concurrent_steps(world):
    """Four writers taking steps on the same clues at once: each recount waits for the project's
    lock and sees the others' committed rows, the city's rows take every difference, and no
    writer deadlocks (every step locks the clue, then its people, then the project). Raw row
    edits stay out: nothing outside the services writes the clues (their admin is read-only)."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    walk = Walk(world, random.Random(5))
    for _ in range(10):
        walk.register()
    clue_ids = list(Clue.objects.values_list("pk", flat=True))

    def step(rng: random.Random) -> bool:
        walker = Walk(world, rng)
        if rng.random() < 0.05:
            walker.register()
            return True
        return walker.step(Clue.objects.get(pk=rng.choice(clue_ids)))

    assert run_writers(step, steps=80) >= 40
    _assert_rebuilt_equals_maintained()
    _assert_rolled_up_equals_counted(world)


@pytest.mark.django_db
def test_the_live_summary_reads_the_campaign_from_the_rollup_not_the_clues(world, issue):
    """The first summary read after a clue changed reads a few rollup rows, whatever the clues:
    no statement over the clues or the people concerned."""
    clue = services.clue_register(
        actor=world.inspector, issue=issue, title="线索", description="内容", subjects=[{"name": "甲某"}]
    )
    services.clue_hand_over(clue=clue, actor=world.group_lead, received_on=timezone.localdate())
    month = Month.of(timezone.localdate())
    for scope in (ReportScope(key="all", label="全市"), dashboard_scope_for(user=world.inspector)):
        with CaptureQueriesContext(connection) as captured:
            campaign = monthly_figures(month=month, scope=scope)["campaign"]
        statements = [q["sql"] for q in captured.captured_queries]
        assert not [sql for sql in statements if '"clues_clue"' in sql or '"clues_cluesubject"' in sql]
        assert any(f'"{TABLE}"' in sql for sql in statements)
        assert campaign["month"]["cases"] == 1 and campaign["month"]["people"] == 1
    # The city's own rows: one per figure and month, not one per project.
    assert ClueRollup.objects.filter(project_id=CITY, figure="cases").count() == 1


def test_a_period_that_is_not_a_month_is_counted_from_the_clues():
    """The rollup counts by month: any other period (a custom range) answers None, and the
    caller counts the clues."""
    assert (
        campaign_counts_rolled_up(project_q=None, first_day=dt.date(2026, 11, 2), last_day=dt.date(2026, 11, 30))
        is None
    )
    assert (
        campaign_counts_rolled_up(project_q=None, first_day=dt.date(2026, 11, 1), last_day=dt.date(2026, 11, 29))
        is None
    )


@pytest.mark.django_db
def test_a_month_without_clues_reads_zero_for_every_figure():
    counts = campaign_counts_rolled_up(project_q=None, first_day=dt.date(2026, 2, 1), last_day=dt.date(2026, 2, 28))
    assert counts == {"month": dict.fromkeys(CAMPAIGN_KEYS, 0), "to_date": dict.fromkeys(CAMPAIGN_KEYS, 0)}


@pytest.mark.django_db(transaction=True)
def test_a_flush_that_empties_the_clue_rollup_first_leaves_no_count(world, issue, monkeypatch):
    """As the issue rollup's (tests/rollups/test_flush.py): SQLite's flush deletes table by table
    in an order it does not promise."""
    clue = services.clue_register(
        actor=world.inspector, issue=issue, title="线索", description="内容", subjects=[{"name": "甲某"}]
    )
    services.clue_hand_over(clue=clue, actor=world.group_lead, received_on=timezone.localdate())
    assert ClueRollup.objects.exclude(n=0).exists()
    introspection = connection.introspection
    tables = introspection.django_table_names(only_existing=True, include_views=False)
    rollup_first = [TABLE, *sorted(t for t in tables if t != TABLE)]
    monkeypatch.setattr(introspection, "django_table_names", lambda *args, **kwargs: rollup_first)
    call_command("flush", interactive=False, verbosity=0)
    assert list(ClueRollup.objects.exclude(n=0).values_list("figure", "project_id", "n")) == []
