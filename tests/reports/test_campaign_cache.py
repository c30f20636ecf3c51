"""The summary's campaign figures are cached under the clues' and the scopes' data versions, the
dashboard's count of projects under the scopes': a second read counts nothing again, and a
committed change is counted at the next read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clues.models import ClueSubject
from reports.figures import Month, ReportScope, monthly_figures
from tests.factories import ProjectFactory, make_clue

pytestmark = pytest.mark.django_db(transaction=True)

CITY = ReportScope(key="all", label="全市")


@pytest.fixture(autouse=True)
def _versions_on(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the data version is kept by PostgreSQL triggers; SQLite caches nothing")
    settings.DUDAO_CACHE_BY_DATA_VERSION = True


# Counting the campaign reads the clue rollup's rows of the scope, once (clues.figures.campaign_counts_rolled_up).
COUNTED = 1


def _campaign(scope: ReportScope = CITY) -> tuple[dict, int]:
    """The month's campaign figures and how many queries read the clue rollup for them."""
    with CaptureQueriesContext(connection) as ctx:
        figures = monthly_figures(month=Month.of(timezone.localdate()), scope=scope)
    return figures["campaign"], sum('"clues_cluerollup"' in q["sql"] for q in ctx.captured_queries)


def test_read_again_from_the_cache_and_counted_again_after_a_clue_change(world):
    today = timezone.localdate()
    make_clue(created_by=world.inspector, project=world.project, received_on=today, people=2)
    first, reads = _campaign()
    assert first["month"]["cases"] == 1 and first["to_date"]["people"] == 2 and reads == COUNTED
    again, reads = _campaign()
    assert again == first and reads == 0

    make_clue(created_by=world.inspector, project=world.other_project, received_on=today - dt.timedelta(days=400))
    after_new_clue, reads = _campaign()
    assert reads == COUNTED and after_new_clue["to_date"]["cases"] == 2 and after_new_clue["month"]["cases"] == 1

    ClueSubject.objects.filter(clue__project=world.project).update(exposed=True)
    from clues.models import Clue

    Clue.objects.filter(project=world.project).update(exposed_on=today)
    exposed, reads = _campaign()
    assert reads == COUNTED and exposed["month"]["notified_people"] == 2


def test_a_group_and_the_city_are_kept_apart_and_a_scope_change_counts_again(world):
    today = timezone.localdate()
    make_clue(created_by=world.inspector, project=world.other_project, received_on=today, people=3)
    group = ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk)
    assert _campaign(CITY)[0]["month"]["cases"] == 1
    month = _campaign(group)[0]["month"]
    assert (month["cases"], month["people"]) == (0, 0)
    world.group.projects.add(world.other_project)  # the group now follows the clue's project
    month = _campaign(group)[0]["month"]
    assert (month["cases"], month["people"]) == (1, 3)  # its clue and that clue's people
    ProjectFactory(name="无关项目")  # a scope change: counted again, the same figures
    figures, reads = _campaign(CITY)
    assert figures["month"]["cases"] == 1 and reads == COUNTED


def _projects(scope: ReportScope = CITY) -> tuple[int, int]:
    """The dashboard's count of projects and how many queries counted them."""
    from reports.figures import _project_count

    with CaptureQueriesContext(connection) as ctx:
        count = _project_count(scope)
    return count, sum('FROM "projects_project"' in q["sql"] for q in ctx.captured_queries)


def test_the_count_of_projects_is_kept_until_a_project_or_a_scope_changes(world):
    first, counted = _projects()
    assert counted == 1
    assert _projects() == (first, 0)  # read again: kept
    world.other_project.is_archived = True
    world.other_project.save(update_fields=["is_archived"])
    assert _projects() == (first - 1, 1)
    group = ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk)
    in_group = world.group.projects.count()
    assert _projects(group) == (in_group, 1)
    world.group.projects.add(ProjectFactory(name="新纳入项目"))
    assert _projects(group) == (in_group + 1, 1)


def test_a_readers_cached_count_of_projects_ends_with_his_authorization_at_midnight(world):
    """Nothing is committed when an authorization ends: the day is part of the cached count's key."""
    import time_machine

    from projects.models import Authorization
    from reports.figures import dashboard_scope_for

    today = timezone.localdate()
    Authorization.objects.filter(inspector=world.authorized_inspector).update(valid_to=today)
    scope = dashboard_scope_for(user=world.authorized_inspector)
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 58)))
    with time_machine.travel(evening, tick=False) as clock:
        assert _projects(scope) == (1, 1)
        assert _projects(scope) == (1, 0)  # kept
        clock.shift(dt.timedelta(minutes=4))
        assert _projects(scope) == (0, 1)
