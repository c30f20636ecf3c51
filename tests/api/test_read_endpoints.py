"""/api/v1 projects, groups, visits, meetings, notifications, summaries: rows and codes per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.models import Decision, DispatchMeeting
from notifications.models import Notification
from reports.figures import Month, ReportScope, monthly_figures
from tests.api.conftest import ROLES, assert_error, ids
from tests.factories import FindingFactory, IssueFactory, SiteVisitFactory

# What each role sees: "a" = the group A side (project A, group A), "b" = group B's side.
PROJECT_SIDE_SEES = {
    "inspector": {"a"},
    "other_inspector": {"b"},
    "lead_liaison": set(),
    "other_liaison": set(),
    "leader": {"a", "b"},
    "admin": {"a", "b"},
}


def _expect(role: str, response, by_side: dict[str, int]):
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
        return
    assert ids(response) == {by_side[side] for side in PROJECT_SIDE_SEES[role]}


@pytest.mark.parametrize("role", ROLES)
def test_projects_list_per_role(role, world, client_as):
    response = client_as(role).get("/api/v1/projects/")
    _expect(role, response, {"a": world.project.pk, "b": world.other_project.pk})


@pytest.mark.parametrize("role", ROLES)
def test_project_detail_per_role(role, world, client_as):
    response = client_as(role).get(f"/api/v1/projects/{world.project.pk}/")
    expected = {"anonymous": 401, "inspector": 200, "leader": 200, "admin": 200}.get(role, 404)
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["name"] == "水电硅一体化项目"
        assert {"stages", "factors"} <= set(response.json())


def test_authorized_inspector_sees_project_but_not_the_group(world, client_as):
    client = client_as("authorized_inspector")
    assert ids(client.get("/api/v1/projects/")) == {world.project.pk}
    assert ids(client.get("/api/v1/groups/")) == set()


@pytest.mark.parametrize("role", ROLES)
def test_groups_list_per_role(role, world, client_as):
    response = client_as(role).get("/api/v1/groups/")
    _expect(role, response, {"a": world.group.pk, "b": world.other_group.pk})


def test_group_detail_lists_members_and_projects(world, client_as):
    body = client_as("inspector").get(f"/api/v1/groups/{world.group.pk}/").json()
    assert body["projects"] == [world.project.pk]
    assert {m["user"]["username"]: m["role"] for m in body["memberships"]} == {
        "inspector": "member",
        "grouplead": "lead",
    }
    assert_error(client_as("inspector").get(f"/api/v1/groups/{world.other_group.pk}/"), 404)


@pytest.fixture
def visits(world):
    a = SiteVisitFactory(project=world.project, created_by=world.inspector, method_forum=True)
    FindingFactory(visit=a, kind="demand", text="希望加快用地报批")
    b = SiteVisitFactory(project=world.other_project, created_by=world.other_inspector)
    return a, b


@pytest.mark.parametrize("role", ROLES)
def test_visits_list_per_role(role, client_as, visits):
    a, b = visits
    _expect(role, client_as(role).get("/api/v1/visits/"), {"a": a.pk, "b": b.pk})


def test_visit_detail_has_findings_and_methods(client_as, visits):
    a, b = visits
    body = client_as("inspector").get(f"/api/v1/visits/{a.pk}/").json()
    assert body["methods"] == ["forum", "onsite"]
    assert [(f["kind"], f["text"], f["issue_id"]) for f in body["findings"]] == [("demand", "希望加快用地报批", None)]
    assert_error(client_as("inspector").get(f"/api/v1/visits/{b.pk}/"), 404)
    assert_error(client_as("lead_liaison").get(f"/api/v1/visits/{a.pk}/"), 404)


def test_read_only_endpoints_refuse_writes(world, client_as):
    client = client_as("admin")
    for url in ("/api/v1/projects/", "/api/v1/groups/", "/api/v1/meetings/"):
        assert_error(client.post(url, {}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete(f"/api/v1/visits/{world.project.pk}/"), 405)
    assert_error(client.delete(f"/api/v1/projects/{world.project.pk}/"), 405)


@pytest.fixture
def meetings(world):
    starts = timezone.now() + dt.timedelta(days=3)
    a = DispatchMeeting.objects.create(
        group=world.group,
        month=timezone.localdate().replace(day=1),
        title="水电硅组11月调度会",
        starts_at=starts,
        place="市纪委3楼会议室",
    )
    a.attending_departments.add(world.lead_department)  # its liaison reads the meeting
    Decision.objects.create(meeting=a, text="督促办理林地手续", created_by=world.group_lead)
    b = DispatchMeeting.objects.create(
        group=world.other_group,
        month=timezone.localdate().replace(day=1),
        title="光伏组11月调度会",
        starts_at=starts,
        place="县纪委会议室",
    )
    return a, b


@pytest.mark.parametrize("role", ROLES)
def test_meetings_list_per_role(role, client_as, meetings):
    a, b = meetings
    response = client_as(role).get("/api/v1/meetings/")
    if role == "lead_liaison":  # the liaison of a department invited to meeting A
        assert ids(response) == {a.pk}
    else:
        _expect(role, response, {"a": a.pk, "b": b.pk})


def test_meeting_detail_has_decisions(client_as, meetings):
    a, b = meetings
    body = client_as("inspector").get(f"/api/v1/meetings/{a.pk}/").json()
    assert [d["text"] for d in body["decisions"]] == ["督促办理林地手续"]
    assert_error(client_as("inspector").get(f"/api/v1/meetings/{b.pk}/"), 404)


@pytest.fixture
def inbox(world):
    def note(user, title):
        return Notification.objects.create(
            recipient=user, kind="issue_handed_off", target_type="issue", target_id=1, period=title, title=title
        )

    return note(world.lead_liaison, "一"), note(world.lead_liaison, "二"), note(world.other_liaison, "三")


@pytest.mark.parametrize("role", ROLES)
def test_notifications_are_only_ones_own(role, world, client_as, inbox):
    mine_one, mine_two, theirs = inbox
    response = client_as(role).get("/api/v1/notifications/")
    if role == "anonymous":
        assert_error(response, 401)
        return
    expected = {"lead_liaison": {mine_one.pk, mine_two.pk}, "other_liaison": {theirs.pk}}.get(role, set())
    assert ids(response) == expected


def test_mark_one_and_all_read(client_as, inbox):
    mine_one, mine_two, theirs = inbox
    client = client_as("lead_liaison")
    body = client.post(f"/api/v1/notifications/{mine_one.pk}/read/").json()
    assert body["is_read"] is True
    assert_error(client.post(f"/api/v1/notifications/{theirs.pk}/read/"), 404)
    assert ids(client.get("/api/v1/notifications/?unread=true")) == {mine_two.pk}
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


SUMMARY_STATUS = {
    "anonymous": 401,
    "inspector": 200,
    "other_inspector": 200,
    "lead_liaison": 404,
    "other_liaison": 404,
    "leader": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_summary_per_role(role, world, client_as, issue):
    month = timezone.localdate().strftime("%Y-%m")
    response = client_as(role).get(f"/api/v1/summaries/{month}/")
    assert response.status_code == SUMMARY_STATUS[role], response.content
    if response.status_code != 200:
        return
    body = response.json()
    assert body["month"] == month and body["live"] is True
    if role in ("leader", "admin"):
        assert body["scope"]["key"] == "all"
        assert body["figures"]["core"]["handed_off"] == 1
    else:
        assert [s["key"] for s in body["available_scopes"]] == [
            f"group-{(world.group if role == 'inspector' else world.other_group).pk}"
        ]


def test_summary_scope_of_another_group_and_future_month_are_404(world, client_as):
    client = client_as("inspector")
    month = timezone.localdate().strftime("%Y-%m")
    assert client.get(f"/api/v1/summaries/{month}/?scope=group-{world.group.pk}").status_code == 200
    assert_error(client.get(f"/api/v1/summaries/{month}/?scope=group-{world.other_group.pk}"), 404)
    assert_error(client.get(f"/api/v1/summaries/{month}/?scope=all"), 404)
    assert_error(client_as("leader").get("/api/v1/summaries/2099-01/"), 404)
    assert_error(client_as("leader").get("/api/v1/summaries/2026-13/"), 404)


def test_closed_month_is_frozen_on_first_read(world, client_as):
    today = timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    first = client_as("leader").get(f"/api/v1/summaries/{last}/").json()
    assert first["live"] is False and first["frozen_at"]
    # An issue recorded late, dated inside the frozen month: a live count would now include it.
    month = Month.parse(last)
    IssueFactory(
        project=world.project,
        handed_off_at=month.start + dt.timedelta(days=3),
        sign_deadline=month.first_day + dt.timedelta(days=8),
        rectification_deadline=month.first_day + dt.timedelta(days=25),
    )
    live = monthly_figures(month=month, scope=ReportScope(key="all", label="全市"))
    assert live["core"]["handed_off"] == first["figures"]["core"]["handed_off"] + 1
    assert client_as("leader").get(f"/api/v1/summaries/{last}/").json()["figures"] == first["figures"]


VISIT_CREATE_STATUS = {
    "anonymous": 401,
    "inspector": 201,
    "other_inspector": 400,  # project A is not theirs: a field error, nothing leaks
    "lead_liaison": 403,
    "other_liaison": 403,
    "leader": 403,
    "admin": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_record_visit_per_role(role, world, client_as):
    body = {
        "project": world.project.pk,
        "visited_on": timezone.localdate().isoformat(),
        "place": "项目施工现场",
        "methods": ["forum", "onsite"],
        "summary": "座谈了解企业用地诉求。",
        "findings": [{"kind": "demand", "text": "希望加快林地审批"}],
    }
    response = client_as(role).post("/api/v1/visits/", body, format="json")
    assert response.status_code == VISIT_CREATE_STATUS[role], response.content
    if role == "inspector":
        created = response.json()
        assert created["methods"] == ["forum", "onsite"]
        assert [(f["kind"], f["text"]) for f in created["findings"]] == [("demand", "希望加快林地审批")]
        assert [u["username"] for u in created["inspectors"]] == ["inspector"]


def test_record_visit_invalid_input_names_the_field(world, client_as):
    body = {"project": world.project.pk, "visited_on": "2026-11-26", "place": "现场", "methods": [], "summary": "x"}
    error = assert_error(client_as("inspector").post("/api/v1/visits/", body, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["methods"]


def test_record_visit_refuses_a_future_date_like_the_web_form(world, client_as):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = {"project": world.project.pk, "visited_on": tomorrow, "place": "现场", "methods": ["onsite"], "summary": "x"}
    error = assert_error(client_as("inspector").post("/api/v1/visits/", body, format="json"), 400)
    assert "检查日期不能晚于今天" in str(error)
    assert not world.project.visits.exists()


def test_record_visit_holds_the_web_forms_limit_of_50_findings(world, client_as):
    body = {
        "project": world.project.pk,
        "visited_on": timezone.localdate().isoformat(),
        "place": "现场",
        "methods": ["onsite"],
        "summary": "逐条记录企业诉求。",
        "findings": [{"kind": "demand", "text": f"诉求{n}"} for n in range(51)],
    }
    error = assert_error(client_as("inspector").post("/api/v1/visits/", body, format="json"), 400)
    assert "最多记录 50 条发现" in str(error)
    assert not world.project.visits.exists()
    body["findings"] = body["findings"][:50]
    assert client_as("inspector").post("/api/v1/visits/", body, format="json").status_code == 201
