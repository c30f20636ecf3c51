"""The data version moves when, and only when, a change to data a cache depends on commits."""

from __future__ import annotations

import datetime as dt
import importlib
from functools import partial

import pytest
from django.db import connection, transaction

from core.dataversion import COUNTS, DOMAINS, LIST_ROWS, VERSIONED_TABLES, data_version, data_versions
from core.models import WorkdayOverride
from issues import services
from issues.models import Issue
from tests.factories import AuthorizationFactory, DepartmentFactory, MembershipFactory, ProjectFactory, make_clue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_with_version_on(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the data version is kept by PostgreSQL triggers; SQLite has none and caches nothing")
    settings.DUDAO_CACHE_BY_DATA_VERSION = True


def test_migration_installs_a_trigger_on_every_versioned_table():
    first = importlib.import_module("core.migrations.0002_data_version")
    credentials = importlib.import_module("core.migrations.0003_data_version_credentials")
    reopens = importlib.import_module("core.migrations.0005_data_version_reopen_events")
    domains = importlib.import_module("core.migrations.0010_data_version_domains")
    clues = importlib.import_module("core.migrations.0011_data_version_clues")
    desk = importlib.import_module("core.migrations.0012_data_version_desk")
    later = (*clues.TABLES, *desk.TABLES, desk.NOTIFICATIONS)
    assert (
        *first.TABLES,
        *credentials.TABLES,
        credentials.USER_TABLE,
        reopens.TABLE,
        *later,
    ) == VERSIONED_TABLES
    assert (*domains.OLD_TABLES, *later) == VERSIONED_TABLES
    assert {table for _suffix, table, *_rest in domains.TRIGGERS} | set(later) == set(VERSIONED_TABLES)
    assert (*domains.DOMAINS, "clues", "desk") == DOMAINS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'core_data_version_bump'"
        )
        assert {row[0] for row in cursor.fetchall()} == set(VERSIONED_TABLES)


def test_a_committed_change_moves_it_once_and_a_rolled_back_one_not_at_all(world):
    issue = world.hand_off()
    before = data_versions()
    with transaction.atomic():
        services.issue_sign(issue=issue, actor=world.lead_liaison, note="收到")
        services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已约谈企业", percent=30, files=[])
        # Not yet: the bump runs at commit, in the same instant the change becomes visible.
        assert data_versions() == before
    after = data_versions()
    # Two services, many rows and tables: one bump of each domain the transaction moved ('any'
    # among them), each number a fresh one from the sequence. (Compared name by name: within one
    # bump the rows take their numbers in the table's physical order, so 'any' is not always the
    # lowest of them.)
    moved = [name for name in after if after[name] != before[name]]
    assert sorted(moved) == sorted(["any", "rows", "facts"])  # signing moved the status: a fact
    assert max(after.values()) - max(before.values()) == len(moved)
    after = data_version()

    with pytest.raises(RuntimeError), transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(title="改了又撤回")
        raise RuntimeError("roll back")
    assert data_version() == after


def test_reads_and_untracked_tables_leave_it_alone(world):
    world.hand_off()
    before = data_version()
    list(Issue.objects.all())
    world.leader.save(update_fields=["last_login"])  # a login: its roles are in the cache keys instead
    assert data_version() == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda world: ProjectFactory(name="新项目"), id="project"),
        pytest.param(lambda world: DepartmentFactory(name="市水务局"), id="department"),
        pytest.param(lambda world: world.group.projects.add(world.other_project), id="group-projects"),
        pytest.param(lambda world: MembershipFactory(group=world.other_group, user=world.inspector), id="membership"),
        pytest.param(
            lambda world: AuthorizationFactory(inspector=world.other_inspector, project=world.project),
            id="authorization",
        ),
        pytest.param(
            lambda world: WorkdayOverride.objects.create(date=dt.date(2027, 1, 4), is_workday=False), id="holiday"
        ),
        pytest.param(
            lambda world: world.group.__class__.objects.filter(pk=world.group.pk).update(is_active=False), id="group"
        ),
    ],
)
def test_every_table_that_decides_rows_or_scope_moves_it(world, change):
    issue = world.hand_off()
    before = data_version()
    change(world)
    assert data_version() > before
    before = data_version()
    issue.assisting_departments.add(world.other_department)
    assert data_version() > before


def test_off_switch_and_sqlite_mean_no_version(settings):
    settings.DUDAO_CACHE_BY_DATA_VERSION = False
    assert data_version() is None


def test_a_reopen_moves_the_version_even_without_touching_the_issue_row(world):
    from django.db import transaction

    from issues.models import IssueEvent

    issue = world.hand_off()
    before = data_version()
    with transaction.atomic():  # a bare event row: only a reopen counts
        IssueEvent.objects.create(issue=issue, actor=world.inspector, action=IssueEvent.Action.REOPEN)
    assert data_version() != before


def _moved(change) -> set[str]:
    before = data_versions()
    change()
    after = data_versions()
    return {name for name in after if after[name] != before[name]}


def test_each_domain_moves_with_what_it_follows_and_nothing_else(world):
    """A progress note touches the issue's progress and version: the rows. A hand-off is a new
    issue: counted, and maybe in a new project. A project edit is scope; a holiday, the calendar."""
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison, note="收到")
    issue.refresh_from_db()
    note = partial(services.issue_progress_add, issue=issue, actor=world.lead_liaison, text="已约谈", percent=40)
    assert _moved(note) == {"any", "rows"}
    assert _moved(lambda: Issue.objects.filter(pk=issue.pk).update(title="改标题")) == {"any", "rows"}
    assert _moved(lambda: Issue.objects.filter(pk=issue.pk).update(category="other")) == {"any", "rows", "facts"}
    assert _moved(lambda: world.hand_off()) == {"any", "rows", "facts", "placement"}
    assert _moved(lambda: issue.assisting_departments.add(world.other_department)) == {
        "any",
        "rows",
        "facts",
        "placement",
    }
    assert _moved(lambda: ProjectFactory(name="新项目")) == {"any", "scope"}
    assert _moved(lambda: WorkdayOverride.objects.create(date=dt.date(2027, 1, 4), is_workday=False)) == {
        "any",
        "calendar",
    }
    assert set(LIST_ROWS) & set(COUNTS) == {"scope", "calendar"}
    clue = make_clue(created_by=world.inspector, project=world.project, received_on=dt.date(2026, 11, 3))
    assert _moved(
        lambda: make_clue(created_by=world.inspector, project=world.project, received_on=dt.date(2026, 11, 4))
    ) == {"any", "clues"}
    assert _moved(lambda: clue.subjects.update(party_sanction="警告")) == {"any", "clues"}


def test_issue_facts_are_the_columns_the_rollup_watches():
    from rollups.sql import WATCHED

    domains = importlib.import_module("core.migrations.0010_data_version_domains")
    assert set(domains.ISSUE_FACTS) == set(WATCHED)
