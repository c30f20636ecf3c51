"""The API's issue list is cached under the committed data version: repeated reads cost one query,
and no committed change, scope or filter ever gets another caller's or an older answer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from issues import services
from issues.models import Issue
from tests.api.conftest import ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("versioned_cache")]
URL = "/api/v1/issues/"


def test_a_repeated_read_is_one_query_and_the_same_bytes(world, client_as, django_assert_num_queries):
    world.hand_off()
    client = client_as("lead_liaison")
    first = client.get(URL)
    assert first.status_code == 200 and first["ETag"] and first["Cache-Control"] == "private, no-cache"
    with django_assert_num_queries(1):  # the data version; the token is cached too
        again = client.get(URL)
    assert again.content == first.content and again["ETag"] == first["ETag"]


def test_a_committed_change_shows_at_once_rows_and_count(world, client_as):
    issue = world.hand_off()
    client = client_as("lead_liaison")
    before = client.get(URL, {"status": "handed_off"}).json()
    assert before["count"] == 1 and before["results"][0]["status"] == "handed_off"
    services.issue_sign(issue=issue, actor=world.lead_liaison, note="收到")
    after = client.get(URL, {"status": "handed_off"}).json()
    assert after["count"] == 0 and after["results"] == []
    assert client.get(URL).json()["results"][0]["status"] == "in_progress"


def test_a_progress_note_reads_the_pages_rows_again_and_nothing_else(world, client_as, django_assert_num_queries):
    """A change that moves only the rows keeps which issues the page holds, its total and links:
    the first read after it reads those issues' rows by key, and answers what a read from scratch
    answers."""
    from django.core.cache import cache

    issues = [world.hand_off(title=f"问题{n}") for n in range(3)]
    services.issue_sign(issue=issues[2], actor=world.lead_liaison)
    client = client_as("lead_liaison")
    client.get(URL, {"page_size": 2})
    services.issue_progress_add(issue=issues[2], actor=world.lead_liaison, text="已完成供地方案", percent=60)
    with django_assert_num_queries(3):  # the data version, the page's issues' versions, the row that changed
        after = client.get(URL, {"page_size": 2})
    page = after.json()
    assert page["count"] == 3 and page["next"].endswith("page=2&page_size=2")
    assert [row["id"] for row in page["results"]] == [issues[2].pk, issues[1].pk]
    assert page["results"][0]["progress_percent"] == 60
    cache.clear()
    assert client.get(URL, {"page_size": 2}).content == after.content


def test_an_edit_in_the_admin_shows_in_the_list_at_once(world, client_as, rf):
    """The admin saves an issue outside issues.services: it counts the version up too, so the
    list's kept row of the old version is not served again."""
    from django.contrib import admin

    issue = world.hand_off(title="审批窗口推诿扯皮")
    services.issue_sign(issue=world.hand_off(title="另一问题"), actor=world.lead_liaison)
    client = client_as("inspector")
    assert "审批窗口推诿扯皮" in client.get(URL).content.decode()
    issue.refresh_from_db()
    issue.title = "用地报批材料反复退回"
    admin.site._registry[Issue].save_model(rf.post("/"), issue, form=None, change=True)
    assert issue.version == 2
    titles = [row["title"] for row in client.get(URL).json()["results"]]
    assert "用地报批材料反复退回" in titles and "审批窗口推诿扯皮" not in titles


def test_a_whole_code_search_keeps_its_members_across_a_progress_note(world, client_as, django_assert_num_queries):
    """A whole issue code is the code's lookup, and codes never change: the search's total and
    members follow the counts' versions, not every row's (a title search's do, below)."""
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    client = client_as("lead_liaison")
    assert ids(client.get(URL, {"q": issue.code.lower()})) == {issue.pk}
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已完成供地方案", percent=30)
    with django_assert_num_queries(3):  # the data version, the issue's version, its row
        after = client.get(URL, {"q": issue.code.lower()}).json()
    assert after["count"] == 1 and after["results"][0]["progress_percent"] == 30


def test_an_edited_title_leaves_a_search_it_no_longer_matches(world, client_as):
    issue = world.hand_off(title="审批窗口推诿扯皮")
    client = client_as("inspector")
    assert ids(client.get(URL, {"q": "推诿"})) == {issue.pk}
    world.retitle(issue, "用地报批材料反复退回")
    assert ids(client.get(URL, {"q": "推诿"})) == set()


def test_if_none_match_gets_304_until_something_changes(world, client_as):
    issue = world.hand_off()
    client = client_as("inspector")
    etag = client.get(URL)["ETag"]
    unchanged = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    changed = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["results"][0]["status"] == "in_progress"


def test_callers_never_share_a_cached_page(world, client_as):
    mine = world.hand_off()
    theirs = world.hand_off(
        project=world.other_project,
        actor=world.other_inspector,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    assert ids(client_as("lead_liaison").get(URL)) == {mine.pk}
    assert ids(client_as("other_liaison").get(URL)) == {theirs.pk}
    assert ids(client_as("leader").get(URL)) == {mine.pk, theirs.pk}
    assert ids(client_as("other_inspector").get(URL)) == {theirs.pk}


def test_a_scope_change_shows_at_once(world, client_as):
    theirs = world.hand_off(project=world.other_project, actor=world.other_inspector, assisting_departments=[])
    client = client_as("inspector")
    assert ids(client.get(URL)) == set()
    world.group.projects.add(world.other_project)  # the inspector's group now follows that project too
    assert ids(client.get(URL)) == {theirs.pk}


def test_pages_and_filters_are_cached_apart(world, client_as):
    issues = [world.hand_off(title=f"问题{n}") for n in range(3)]
    client = client_as("inspector")
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert {r["id"] for r in first["results"] + second["results"]} == {i.pk for i in issues}
    assert first["next"].endswith("page=2&page_size=2") and second["previous"]
    assert client.get(URL, {"q": "问题1"}).json()["count"] == 1


def test_a_repeated_parameter_in_another_order_is_another_answer(world, client_as):
    first, second = world.hand_off(title="甲"), world.hand_off(title="乙")
    client = client_as("inspector")
    # The last value counts (django-filter, DRF): these two ask for opposite orders.
    up = client.get(URL + "?ordering=-code&ordering=code").json()["results"]
    down = client.get(URL + "?ordering=code&ordering=-code").json()["results"]
    assert [row["id"] for row in up] == sorted([first.pk, second.pk], key=lambda pk: Issue.objects.get(pk=pk).code)
    assert [row["id"] for row in down] == [row["id"] for row in reversed(up)]


def test_the_light_turns_at_midnight_without_any_commit(world, client_as):
    issue = world.hand_off()
    today = timezone.localdate()
    Issue.objects.filter(pk=issue.pk).update(sign_deadline=today, rectification_deadline=today)  # due today: yellow
    client = client_as("lead_liaison")
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 58)))
    with time_machine.travel(evening, tick=False) as clock:
        assert client.get(URL).json()["results"][0]["light"] == "yellow"
        assert client.get(URL, {"light": "red"}).json()["count"] == 0
        clock.shift(dt.timedelta(minutes=4))  # 00:02 the next day: overdue
        assert client.get(URL).json()["results"][0]["light"] == "red"
        assert client.get(URL, {"light": "red"}).json()["count"] == 1


def test_a_liaison_moved_to_another_department_sees_its_issues_at_once(world, client_as):
    mine = world.hand_off()
    theirs = world.hand_off(
        project=world.other_project,
        actor=world.other_inspector,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    client = client_as("lead_liaison")
    assert ids(client.get(URL)) == {mine.pk}
    assert ids(client.get(URL)) == {mine.pk}  # from the cache: the token's user and the page
    world.lead_liaison.department = world.other_department
    world.lead_liaison.save()  # as the admin's form does: nothing cleared by hand
    assert ids(client.get(URL)) == {theirs.pk}


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"nonsense", {etag}'])
def test_if_none_match_forms(world, client_as, header):
    world.hand_off()
    client = client_as("inspector")
    etag = client.get(URL)["ETag"]
    response = client.get(URL, HTTP_IF_NONE_MATCH=header.format(etag=etag))
    assert response.status_code == 304 and "Content-Type" not in response
    assert client.get(URL, HTTP_IF_NONE_MATCH='"nonsense"').status_code == 200


# Read by these pages and not cached under the data version: who asks (session, user, roles,
# token: checked before any cache), the unread badge, and the version itself.
UNCACHED_TABLES = {
    "django_session",
    "accounts_user",
    "auth_group",
    "accounts_user_groups",
    "authtoken_token",
    "notifications_notification",
    "core_data_version",
}
# Kept by triggers on the versioned issue tables, in the writing transaction (rollups.sql): a
# change to them moves the version of the issue change that moved them.
DERIVED_TABLES = {"rollups_issuerollup"}


@pytest.mark.parametrize("role", ["lead_liaison", "assisting_liaison", "inspector", "authorized_inspector", "leader"])
def test_every_table_behind_a_cached_read_moves_the_version(world, client_as, client, role):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.dataversion import VERSIONED_TABLES

    world.hand_off()
    client.force_login(getattr(world, role))
    api = client_as(role)
    with CaptureQueriesContext(connection) as reads:  # first reads: nothing cached yet
        api.get(URL, {"status": "open", "light": "red", "group": world.group.pk})
        client.get("/issues/", {"q": "推诿", "group": world.group.pk, "on_time": "1"})
    tables = {name for query in reads.captured_queries for name in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])}
    assert "issues_issue" in tables and "projects_project" in tables
    assert tables - UNCACHED_TABLES - DERIVED_TABLES - set(VERSIONED_TABLES) == set()
