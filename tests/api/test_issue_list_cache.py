"""The API's issue list is cached under the committed data version: repeated reads cost one query,
and no committed change, scope or filter ever gets another caller's or an older answer."""

from __future__ import annotations

import pytest

from issues import services
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
    theirs = world.hand_off(project=world.other_project, actor=world.other_inspector,
                            lead_department=world.other_department, assisting_departments=[])
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


def test_errors_are_never_cached(world, client_as):
    client = client_as("inspector")
    assert client.get(URL, {"status": "nonsense"}).status_code == 400
    assert client.get(URL, {"status": "nonsense"}).status_code == 400
    assert client.get(URL).status_code == 200
