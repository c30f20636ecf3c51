"""The clue pages and API: who sees them (liaisons never: 404 on every page, the API and the
search; outsiders 404 per clue), the forms of each step, the entry points, constant queries."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clues.models import Clue, ClueStatus
from tests.clues.conftest import days_ago
from tests.factories import FindingFactory, SiteVisitFactory, make_clue

LIAISONS = ("lead_liaison", "assisting_liaison", "other_liaison")


def login(client, user):
    client.force_login(user)
    return client


# --- liaisons never see any of it ------------------------------------------------------------------


@pytest.mark.parametrize("who", LIAISONS)
def test_liaisons_get_404_on_every_clue_page_and_endpoint(client, world, case, who):
    """Even the liaison of the department whose people the clue names."""
    login(client, getattr(world, who))
    for url in (
        reverse("clues:list"),
        reverse("clues:list") + "?q=甲某某",  # the search
        reverse("clues:create"),
        reverse("clues:create") + f"?issue={case.issue_id}",
        reverse("clues:detail", args=[case.pk]),
        "/api/v1/clues/",
        f"/api/v1/clues/?status={ClueStatus.CASE}",
        f"/api/v1/clues/{case.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("clues:act", args=[case.pk, "outcome"]), {}).status_code == 404


@pytest.mark.parametrize("who", LIAISONS)
def test_liaisons_see_no_link_no_button_and_no_clue_in_what_they_read(client, world, case, who):
    login(client, getattr(world, who))
    issue_page = client.get(reverse("issues:detail", args=[case.issue_id]))
    home = client.get(reverse("home"))
    for response in (issue_page, home):
        if response.status_code == 404:  # the other department's liaison does not read the issue
            continue
        body = response.content.decode()
        assert "问题线索" not in body and "甲某某" not in body and reverse("clues:list") not in body
    # the exports a liaison may download (the ledger) carry nothing of a clue
    ledger = client.get(reverse("reports:ledger_xlsx"))
    if ledger.status_code == 200:
        cells = [
            str(c)
            for row in load_workbook(io.BytesIO(b"".join(ledger.streaming_content))).active.iter_rows(values_only=True)
            for c in row
        ]
        assert not any("甲某某" in c or "推诿拖延问题线索" in c for c in cells)
    # the summary and its exports (the campaign figures) stay closed to them
    for name in ("reports:summary_xlsx", "reports:summary_docx"):
        from reports.figures import current_month

        assert client.get(reverse(name, kwargs={"month": current_month()})).status_code == 404


def test_the_schema_documents_the_clue_endpoints(client, world):
    login(client, world.leader)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/clues/" in schema and "/api/v1/clues/{id}/" in schema and "问题线索列表" in schema


# --- scope --------------------------------------------------------------------------------------------


def test_inspectors_see_their_projects_clues_leaders_all(client, world, case):
    other = make_clue(
        project=world.other_project, received_on=days_ago(2), created_by=world.other_inspector, title="光伏项目线索"
    )
    for who, visible, hidden in (
        ("inspector", case, other),
        ("authorized_inspector", case, other),
        ("other_inspector", other, case),
    ):
        login(client, getattr(world, who))
        body = client.get(reverse("clues:list")).content.decode()
        assert visible.title in body and hidden.title not in body
        assert client.get(reverse("clues:detail", args=[hidden.pk])).status_code == 404
        assert client.get(f"/api/v1/clues/{hidden.pk}/").status_code == 404
        assert [row["id"] for row in client.get("/api/v1/clues/").json()["results"]] == [visible.pk]
    login(client, world.leader)
    assert {row["id"] for row in client.get("/api/v1/clues/").json()["results"]} == {case.pk, other.pk}


def test_the_list_filters(client, world, case):
    make_clue(project=world.project, created_by=world.inspector, title="未移送的线索")
    login(client, world.inspector)
    body = client.get(reverse("clues:list") + f"?status={ClueStatus.CASE}").content.decode()
    assert case.title in body and "未移送的线索" not in body
    body = client.get(reverse("clues:list") + "?q=乙某").content.decode()  # a person's name
    assert case.title in body and "未移送的线索" not in body


def test_api_detail_has_people_timeline_and_the_caller_s_steps(client, world, case):
    login(client, world.leader)
    data = client.get(f"/api/v1/clues/{case.pk}/").json()
    assert [s["name"] for s in data["subjects"]] == ["甲某某", "乙某"]
    assert [e["action"] for e in data["events"]] == ["register", "hand_over", "verify", "file_case"]
    assert set(data["allowed_steps"]) >= {"outcome", "conclude", "expose"}
    login(client, world.inspector)
    assert "outcome" not in client.get(f"/api/v1/clues/{case.pk}/").json()["allowed_steps"]


# --- entry points and steps on the pages ------------------------------------------------------------


def test_issue_and_finding_pages_offer_the_hand_over_to_inspectors(client, world, issue):
    visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
    finding = FindingFactory(visit=visit)
    login(client, world.inspector)
    assert (
        f"{reverse('clues:create')}?issue={issue.pk}"
        in client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    )
    assert (
        f"{reverse('clues:create')}?finding={finding.pk}"
        in client.get(reverse("inspections:detail", args=[visit.pk])).content.decode()
    )
    assert reverse("clues:list") in client.get(reverse("home")).content.decode()  # the nav link


def test_entering_a_clue_from_an_issue_keeps_what_was_typed_on_error(client, world, issue):
    login(client, world.inspector)
    url = reverse("clues:create") + f"?issue={issue.pk}"
    form = {
        "title": "",
        "description": "反复退件。",
        "subjects-TOTAL_FORMS": "3",
        "subjects-INITIAL_FORMS": "0",
        "subjects-0-name": "甲某某",
        "subjects-0-post": "科长",
    }
    response = client.post(url, form)
    assert (
        response.status_code == 400
        and "反复退件。" in response.content.decode()
        and "甲某某" in response.content.decode()
    )
    response = client.post(url, {**form, "title": "推诿线索"})
    clue = Clue.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("clues:detail", args=[clue.pk])
    assert (clue.issue_id, clue.project_id, [s.name for s in clue.subjects.all()]) == (
        issue.pk,
        world.project.pk,
        ["甲某某"],
    )


def test_an_outsider_s_source_is_404_and_a_reader_who_may_not_enter_gets_403(client, world, issue):
    login(client, world.other_inspector)
    assert client.get(reverse("clues:create") + f"?issue={issue.pk}").status_code == 404
    login(client, world.admin)
    assert client.get(reverse("clues:create") + f"?issue={issue.pk}").status_code == 403


def test_the_steps_on_the_detail_page(client, world, clue):
    url = lambda action: reverse("clues:act", args=[clue.pk, action])  # noqa: E731
    login(client, world.inspector)
    assert client.post(url("hand_over"), {"hand_over-expected_version": clue.version}).status_code == 403
    assert f'action="{url("hand_over")}"' not in client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    login(client, world.group_lead)
    assert f'action="{url("hand_over")}"' in client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    response = client.post(
        url("hand_over"), {"hand_over-expected_version": clue.version, "hand_over-received_on": days_ago(2).isoformat()}
    )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == ClueStatus.HANDED_OVER
    # a stale form: 409 with the reason, nothing changed
    response = client.post(url("verify"), {"verify-expected_version": clue.version - 1, "verify-note": "核实。"})
    assert response.status_code == 409 and "核实。" in response.content.decode()
    response = client.post(url("verify"), {"verify-expected_version": clue.version, "verify-note": "核实。"})
    assert response.status_code == 302
    clue.refresh_from_db()
    # the lead disposes, but 立案 is not among his choices
    body = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert 'value="close"' in body and 'value="file_case"' not in body
    response = client.post(
        url("dispose"),
        {"dispose-expected_version": clue.version, "dispose-disposal": "file_case", "dispose-note": "立案。"},
    )
    assert response.status_code == 400
    login(client, world.leader)
    response = client.post(
        url("dispose"),
        {"dispose-expected_version": clue.version, "dispose-disposal": "file_case", "dispose-note": "立案。"},
    )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == ClueStatus.CASE
    body = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "立案审查调查" in body and "张督导" in body  # the timeline names who did what


# --- queries -------------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_and_api_run_constant_queries(client, world):
    login(client, world.inspector)
    for i in range(3):
        make_clue(issue=None, project=world.project, people=2, received_on=days_ago(i), created_by=world.inspector)
    few = (_count(client, reverse("clues:list")), _count(client, "/api/v1/clues/"))
    for i in range(30):
        make_clue(issue=None, project=world.project, people=3, received_on=days_ago(i), created_by=world.inspector)
    assert (_count(client, reverse("clues:list")), _count(client, "/api/v1/clues/")) == few
