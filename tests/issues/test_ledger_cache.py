"""The ledger's total and filter choices are kept under the committed data version: a reload costs
fewer queries, and a committed change, another scope or another language never reads a stale one."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services
from issues.workflow import IssueAction
from tests.factories import IssueFactory, ProjectFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("versioned_cache")]
LEDGER = reverse("issues:ledger")


def _project_options(response) -> set[str]:
    select = re.search(r'<select[^>]*name="project"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return set(re.findall(r">([^<]+)</option>", select.group(1)))


def _total(response) -> int:
    return response.context["page"].paginator.count


def test_a_reload_skips_the_count_and_the_choice_lists(client, world):
    world.hand_off()
    client.force_login(world.inspector)
    with CaptureQueriesContext(connection) as cold:
        client.get(LEDGER)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(LEDGER)
    assert _total(response) == 1
    # session, user, roles, data version, the page's ids, their rows, assisting departments, unread
    # badge, pghistory context (twice): no COUNT, no project/department/group list, no holiday
    # overrides, no check whether the inspector leads a group (desk.queues, kept too).
    assert len(warm) == 10, [q["sql"][:80] for q in warm.captured_queries]
    # the total (the inspector's project ids, their rollup rows), three choice lists, two spans of
    # holidays, the lead check
    assert len(cold) == len(warm) + 8
    assert not any("COUNT(*)" in q["sql"] and "issues_issue" in q["sql"] for q in warm.captured_queries)


def test_a_committed_change_shows_in_total_and_choices_at_once(client, world):
    world.hand_off()
    client.force_login(world.leader)
    before = client.get(LEDGER)
    assert _total(before) == 1 and "新项目" not in _project_options(before)
    new_project = ProjectFactory(name="新项目")
    world.group.projects.add(new_project)
    world.hand_off(project=new_project)
    after = client.get(LEDGER)
    assert _total(after) == 2 and "新项目" in _project_options(after)


def test_each_scope_gets_its_own_choices_and_total(client, world):
    world.hand_off()
    world.hand_off(project=world.other_project, actor=world.other_inspector, assisting_departments=[])
    client.force_login(world.inspector)
    mine = client.get(LEDGER)
    client.force_login(world.other_inspector)
    theirs = client.get(LEDGER)
    assert _total(mine) == 1 and _total(theirs) == 1
    assert (world.project.short_name or world.project.name) in _project_options(mine)
    assert (world.other_project.short_name or world.other_project.name) not in _project_options(mine)
    assert (world.project.short_name or world.project.name) not in _project_options(theirs)


def test_the_chosen_project_is_selected_in_the_cached_list(client, world):
    world.hand_off()
    client.force_login(world.inspector)
    client.get(LEDGER)
    html = client.get(LEDGER, {"project": world.project.pk}).content.decode()
    assert f'<option value="{world.project.pk}" selected>' in html
    assert '<option value="" selected>' not in html.split('name="project"')[1].split("</select>")[0]


def test_the_language_is_part_of_the_key(client, world):
    world.hand_off()
    client.force_login(world.inspector)
    assert "全部项目" in client.get(LEDGER).content.decode()
    english = client.get(LEDGER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All projects" in english and "全部项目" not in english


def test_an_authorization_ending_at_midnight_takes_its_project_off_the_choices(client, world):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from projects.models import Authorization

    world.hand_off()
    today = timezone.localdate()
    Authorization.objects.filter(inspector=world.authorized_inspector).update(valid_to=today)
    name = world.project.short_name or world.project.name
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 58)))
    with time_machine.travel(evening, tick=False) as clock:
        client.force_login(world.authorized_inspector)
        before = client.get(LEDGER)
        assert _total(before) == 1 and name in _project_options(before)
        assert len(before.context["rows"]) == 1
        clock.shift(dt.timedelta(minutes=4))  # nothing committed, but the authorization is over
        after = client.get(LEDGER)
        assert _total(after) == 0 and name not in _project_options(after)
        # the rows' scope too: the project list it tests is kept under the day as well
        assert after.context["rows"] == []
        assert client.get("/api/v1/issues/", HTTP_ACCEPT="application/json").json()["results"] == []


def test_joining_and_leaving_a_group_shows_in_the_rows_at_once(client, world):
    """The rows' scope is the inspector's project ids read as a list and cached under the 'scope'
    data version: a membership added or removed is seen by the next read of the ledger and the API."""
    from projects.models import GroupMembership

    theirs = IssueFactory(project=world.other_project, lead_department=world.lead_department)
    client.force_login(world.inspector)

    def seen():
        ledger = [row.code for row in client.get(LEDGER).context["rows"]]
        api = [row["code"] for row in client.get("/api/v1/issues/", HTTP_ACCEPT="application/json").json()["results"]]
        return ledger, api

    assert seen() == ([], [])
    membership = GroupMembership.objects.create(group=world.other_group, user=world.inspector)
    assert seen() == ([theirs.code], [theirs.code])
    membership.delete()
    assert seen() == ([], [])


def _queries(client, url=LEDGER, **params) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    return response, [q["sql"] for q in ctx.captured_queries]


def _choice_lists(sqls: list[str]) -> list[str]:
    return [
        sql
        for sql in sqls
        if sql.startswith('SELECT "projects_project"."id"')
        or sql.startswith('SELECT "accounts_department"."id"')
        or sql.startswith('SELECT "projects_supervisiongroup"."id"')
    ]


def test_a_progress_note_keeps_the_choices_and_total_but_shows_in_the_rows(client, world):
    """A progress note moves the issue's progress and version only: the rows are read afresh (the
    API's page too), while the choice lists and the total stay cached (core.dataversion domains)."""
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison, note="收到")
    client.force_login(world.lead_liaison)
    client.get(LEDGER)
    api_before = client.get("/api/v1/issues/", HTTP_ACCEPT="application/json").json()["results"][0]
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已约谈企业", percent=40)
    response, sqls = _queries(client)
    assert _choice_lists(sqls) == []
    assert not any("rollups_issuerollup" in sql or "COUNT(" in sql.upper() for sql in sqls if "issue" in sql), sqls
    assert any(sql.startswith('SELECT "issues_issue"."id"') for sql in sqls)  # the rows: read afresh
    assert _total(response) == 1
    api_after = client.get("/api/v1/issues/", HTTP_ACCEPT="application/json").json()["results"][0]
    assert (api_before["progress_percent"], api_after["progress_percent"]) == (0, 40)


def test_an_issue_change_invalidates_the_total_and_a_new_issue_the_choices(client, world):
    issue = world.hand_off()
    client.force_login(world.leader)
    assert _total(client.get(LEDGER, {"status": "open"})) == 1
    services.issue_act(action=IssueAction.WITHDRAW, issue=issue, actor=world.inspector, reason="重复交办")
    response, sqls = _queries(client, status="open")
    assert _total(response) == 0 and _choice_lists(sqls) == []  # counted afresh, same projects
    new_project = ProjectFactory(name="新项目")
    world.group.projects.add(new_project)
    _queries(client)
    world.hand_off(project=new_project)
    response, sqls = _queries(client)
    assert len(_choice_lists(sqls)) == 3 and "新项目" in _project_options(response)
