"""/api/v1/issues: who sees which rows, who may hand off and move an issue, conflicts, uploads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues import services
from issues.models import Issue, IssueEvent, IssueStatus, ProgressUpdate
from issues.serializers import IssueListSerializer
from tests.api.conftest import ROLES, assert_error, ids
from tests.factories import IssueFactory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _upload(name: str, content: bytes):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@pytest.fixture
def issues(world):
    """A: project A, lead = lead dept, assisted by the assisting dept. B: project B, other dept."""
    a = world.hand_off()
    b = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    return a, b


# --- list and detail ----------------------------------------------------------------------

LIST_SEES = {
    "inspector": {"a"},
    "other_inspector": {"b"},
    "lead_liaison": {"a"},
    "other_liaison": {"b"},
    "leader": {"a", "b"},
    "admin": {"a", "b"},
}


@pytest.mark.parametrize("role", ROLES)
def test_issue_list_rows_per_role(role, client_as, issues):
    a, b = issues
    response = client_as(role).get("/api/v1/issues/")
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
        return
    by_name = {"a": a.pk, "b": b.pk}
    assert ids(response) == {by_name[name] for name in LIST_SEES[role]}


def test_assisting_liaison_and_authorized_inspector_see_issue_a(client_as, issues):
    a, _b = issues
    assert ids(client_as("assisting_liaison").get("/api/v1/issues/")) == {a.pk}
    assert ids(client_as("authorized_inspector").get("/api/v1/issues/")) == {a.pk}


@pytest.mark.parametrize("role", ROLES)
def test_issue_detail_per_role(role, client_as, issues):
    a, _b = issues
    response = client_as(role).get(f"/api/v1/issues/{a.pk}/")
    if role == "anonymous":
        assert_error(response, 401)
    elif role in ("other_inspector", "other_liaison"):
        assert_error(response, 404, "not_found")
    else:
        assert response.status_code == 200
        body = response.json()
        assert body["code"] == a.code
        assert [dept["name"] for dept in body["assisting_departments"]] == ["市林业和草原局"]
        assert body["events"][0]["action"] == IssueEvent.Action.HAND_OFF


def test_detail_lists_the_callers_allowed_actions(client_as, issues):
    a, _b = issues
    assert "sign" in client_as("lead_liaison").get(f"/api/v1/issues/{a.pk}/").json()["allowed_actions"]
    assert "sign" not in client_as("inspector").get(f"/api/v1/issues/{a.pk}/").json()["allowed_actions"]
    # Instruction and hand-off edits are web-only: the API lists only what it can perform.
    assert client_as("leader").get(f"/api/v1/issues/{a.pk}/").json()["allowed_actions"] == []
    inspector_actions = client_as("inspector").get(f"/api/v1/issues/{a.pk}/").json()["allowed_actions"]
    assert "withdraw" in inspector_actions and "edit" not in inspector_actions


def test_list_row_shape_matches_documented_serializer(client_as, issues):
    row = client_as("leader").get("/api/v1/issues/").json()["results"][0]
    serializer = IssueListSerializer(data=row)
    assert serializer.is_valid(), serializer.errors
    assert set(row) == set(IssueListSerializer().fields)


def test_list_light_and_overdue_follow_the_rule(world, client_as):
    today = timezone.localdate()
    late = IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=today - dt.timedelta(days=40),
        rectification_deadline=today - dt.timedelta(days=5),
    )
    fine = IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        rectification_deadline=today + dt.timedelta(days=60),
    )
    rows = {row["id"]: row for row in client_as("leader").get("/api/v1/issues/").json()["results"]}
    assert (rows[late.pk]["light"], rows[late.pk]["is_overdue"]) == ("red", True)
    assert (rows[fine.pk]["light"], rows[fine.pk]["is_overdue"]) == ("green", False)
    assert ids(client_as("leader").get("/api/v1/issues/?light=red")) == {late.pk}


def test_list_filters_mirror_the_ledger(world, client_as, issues):
    a, b = issues
    leader = client_as("leader")
    assert ids(leader.get(f"/api/v1/issues/?project={world.other_project.pk}")) == {b.pk}
    assert ids(leader.get(f"/api/v1/issues/?lead_department={world.lead_department.pk}")) == {a.pk}
    assert ids(leader.get("/api/v1/issues/?status=handed_off")) == {a.pk, b.pk}
    assert ids(leader.get(f"/api/v1/issues/?q={a.code}")) == {a.pk}
    month = timezone.localdate().strftime("%Y-%m")
    assert ids(leader.get(f"/api/v1/issues/?month={month}")) == {a.pk, b.pk}
    codes = [row["code"] for row in leader.get("/api/v1/issues/?ordering=code").json()["results"]]
    assert codes == sorted(codes)
    error = assert_error(leader.get("/api/v1/issues/?status=nonsense"), 400, "invalid")
    assert "status" in error["fields"]


def test_list_page_size_is_capped_at_200(world, client_as):
    IssueFactory.create_batch(205, project=world.project, lead_department=world.lead_department)
    body = client_as("leader").get("/api/v1/issues/?page_size=1000").json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert len(client_as("leader").get("/api/v1/issues/").json()["results"]) == 50
    assert_error(client_as("leader").get("/api/v1/issues/?page_size=abc"), 400, "invalid")
    assert_error(client_as("leader").get("/api/v1/issues/?page=0"), 400, "invalid")


def test_list_query_count_does_not_grow_with_rows(world, client_as, django_assert_num_queries):
    """Computed (the data-version cache is off in the test settings; tests/api/test_issue_list_cache
    covers it): the same queries for 10 rows as for 60, and a count without joins."""
    client = client_as("lead_liaison")
    client.get("/api/v1/issues/")  # caches the token
    IssueFactory.create_batch(10, project=world.project, lead_department=world.lead_department)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/issues/").json()["results"]) == 10
    IssueFactory.create_batch(50, project=world.project, lead_department=world.lead_department)
    # count + page rows + the working-day overrides behind the light + pghistory's request context
    with django_assert_num_queries(len(few.captured_queries)) as many:
        response = client.get("/api/v1/issues/")
    assert len(response.json()["results"]) == 50 and response.json()["count"] == 60
    count_sql = next(q["sql"] for q in many.captured_queries if "COUNT(" in q["sql"])
    # the cheap count: no joins to the project and department tables the count does not need
    assert '"projects_project"' not in count_sql and '"accounts_department"' not in count_sql


def test_count_sees_a_new_issue_at_once(world, client_as):
    client = client_as("leader")
    assert client.get("/api/v1/issues/").json()["count"] == 0
    world.hand_off()
    assert client.get("/api/v1/issues/").json()["count"] == 1
    assert client.get("/api/v1/issues/?status=closed").json()["count"] == 0


# --- hand-off -----------------------------------------------------------------------------


def _handoff_body(world, **overrides):
    body = {
        "project": world.project.pk,
        "title": "企业用电报装迟缓",
        "description": "企业反映用电报装三个月未接通。",
        "category": "business_environment",
        "lead_department": world.lead_department.pk,
        "assisting_departments": [world.assisting_department.pk],
    }
    body.update(overrides)
    return body


HANDOFF_STATUS = {
    "anonymous": 401,
    "inspector": 201,
    "other_inspector": 400,  # project A is not among theirs: a field error, nothing leaks
    "lead_liaison": 403,
    "other_liaison": 403,
    "leader": 403,
    "admin": 403,  # admins see everything but hand off nothing
}


@pytest.mark.parametrize("role", ROLES)
def test_hand_off_per_role(role, world, client_as):
    response = client_as(role).post("/api/v1/issues/", _handoff_body(world), format="json")
    assert response.status_code == HANDOFF_STATUS[role], response.content
    if role == "inspector":
        body = response.json()
        issue = Issue.objects.get(pk=body["id"])
        assert issue.handed_off_by == world.inspector
        assert body["status"] == IssueStatus.HANDED_OFF
        assert body["version"] == 1
    else:
        assert not Issue.objects.exists()


def test_hand_off_invalid_input_names_the_field(world, client_as):
    client = client_as("inspector")
    error = assert_error(client.post("/api/v1/issues/", _handoff_body(world, title=""), format="json"), 400)
    assert "title" in error["fields"]
    # a rule of the service (lead may not also assist) comes back under its field too
    body = _handoff_body(world, assisting_departments=[world.lead_department.pk])
    error = assert_error(client.post("/api/v1/issues/", body, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["assisting_departments"]
    error = assert_error(
        client.post("/api/v1/issues/", _handoff_body(world, sign_deadline="2020-01-01"), format="json"), 400
    )
    assert "sign_deadline" in error["fields"]


# --- transitions --------------------------------------------------------------------------


def _post_transition(client, issue, **body):
    return client.post(f"/api/v1/issues/{issue.pk}/transitions/", body, format="json")


SIGN_STATUS = {
    "anonymous": 401,
    "inspector": 403,
    "other_inspector": 404,
    "lead_liaison": 200,
    "other_liaison": 404,
    "leader": 403,
    "admin": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_sign_per_role(role, client_as, issue):
    response = _post_transition(client_as(role), issue, action="sign")
    assert response.status_code == SIGN_STATUS[role], response.content
    issue.refresh_from_db()
    expected = IssueStatus.IN_PROGRESS if role == "lead_liaison" else IssueStatus.HANDED_OFF
    assert issue.status == expected
    if response.status_code == 403:
        assert_error(response, 403, "permission_denied")


def test_full_workflow_through_the_api(world, client_as, issue):
    liaison, inspector = client_as("lead_liaison"), client_as("inspector")
    body = _post_transition(liaison, issue, action="sign", expected_version=1).json()
    assert (body["status"], body["version"]) == ("in_progress", 2)
    deadline = (issue.rectification_deadline + dt.timedelta(days=10)).isoformat()
    body = _post_transition(
        liaison, issue, action="extension_request", note="需跨部门协调", requested_deadline=deadline
    ).json()
    assert body["extension_requests"][0]["status"] == "pending"
    body = _post_transition(inspector, issue, action="extension_decide", approve=True, note="同意").json()
    assert body["rectification_deadline"] == deadline
    body = _post_transition(liaison, issue, action="submit", note="已整改", expected_version=body["version"]).json()
    assert body["status"] == "submitted"
    body = _post_transition(inspector, issue, action="return", note="佐证不足").json()
    assert (body["status"], body["return_count"]) == ("in_progress", 1)
    _post_transition(liaison, issue, action="submit", note="补充佐证")
    body = _post_transition(inspector, issue, action="close", note="核验属实").json()
    assert body["status"] == "closed"
    assert [event["action"] for event in body["events"]] == [
        "hand_off",
        "sign",
        "extension_request",
        "extension_approve",
        "submit",
        "return",
        "submit",
        "close",
    ]


def test_stale_expected_version_is_409_and_changes_nothing(world, client_as, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)  # version 1 -> 2 behind the client's back
    response = _post_transition(client_as("lead_liaison"), issue, action="submit", note="完成", expected_version=1)
    assert_error(response, 409, "conflict")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS


def test_transition_not_allowed_in_state_is_409(client_as, issue):
    response = _post_transition(client_as("inspector"), issue, action="close")
    assert_error(response, 409, "transition_not_allowed")


def test_missing_reason_is_a_field_error(client_as, issue):
    error = assert_error(_post_transition(client_as("inspector"), issue, action="withdraw"), 400, "invalid")
    assert list(error["fields"]) == ["note"]
    error = assert_error(_post_transition(client_as("inspector"), issue, action="fly"), 400)
    assert "action" in error["fields"]


def test_extension_decision_without_a_pending_request_is_400(world, client_as, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    error = assert_error(_post_transition(client_as("inspector"), issue, action="extension_decide", approve=False), 400)
    assert "extension_id" in error["fields"]


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        ("lead_liaison", ["sign"]),
        ("inspector", ["withdraw"]),
        ("assisting_liaison", []),
        ("leader", []),
    ],
)
def test_get_transitions_lists_allowed_actions(role, actions, client_as, issue):
    body = client_as(role).get(f"/api/v1/issues/{issue.pk}/transitions/").json()
    assert body == {"version": 1, "status": "handed_off", "actions": actions}


def test_get_transitions_out_of_scope_is_404(client_as, issue):
    assert_error(client_as("other_liaison").get(f"/api/v1/issues/{issue.pk}/transitions/"), 404)
    assert_error(client_as("other_inspector").get(f"/api/v1/issues/{issue.pk}/transitions/"), 404)
    assert_error(client_as("anonymous").get(f"/api/v1/issues/{issue.pk}/transitions/"), 401)


# --- progress updates ---------------------------------------------------------------------


@pytest.fixture
def signed(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    return issue


UPDATE_STATUS = {
    "anonymous": 401,
    "inspector": 403,
    "other_inspector": 404,
    "lead_liaison": 201,
    "other_liaison": 404,
    "leader": 403,
    "admin": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_progress_post_per_role(role, client_as, signed):
    response = client_as(role).post(
        f"/api/v1/issues/{signed.pk}/updates/", {"text": "已完成线路勘察", "percent": 40}, format="multipart"
    )
    assert response.status_code == UPDATE_STATUS[role], response.content
    assert ProgressUpdate.objects.count() == (1 if role == "lead_liaison" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_progress_list_per_role(role, world, client_as, signed):
    services.issue_progress_add(issue=signed, actor=world.lead_liaison, text="进展一", percent=10)
    response = client_as(role).get(f"/api/v1/issues/{signed.pk}/updates/")
    expected = {"anonymous": 401, "other_inspector": 404, "other_liaison": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert [row["text"] for row in response.json()] == ["进展一"]


def test_progress_with_evidence_files(client_as, signed):
    response = client_as("lead_liaison").post(
        f"/api/v1/issues/{signed.pk}/updates/",
        {"text": "现场整改照片", "percent": 60, "files": [_upload("现场.png", PNG), _upload("二.png", PNG)]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [item["original_name"] for item in body["evidence"]] == ["现场.png", "二.png"]
    assert body["evidence"][0]["content_type"] == "image/png"
    signed.refresh_from_db()
    assert signed.progress_percent == 60


def test_assisting_department_adds_a_note_without_percent(client_as, signed):
    response = client_as("assisting_liaison").post(
        f"/api/v1/issues/{signed.pk}/updates/", {"text": "林地手续已配合办理", "percent": 90}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json()["percent"] is None
    signed.refresh_from_db()
    assert signed.progress_percent == 0


def test_disguised_or_forbidden_upload_is_refused_and_nothing_saved(client_as, signed):
    client = client_as("lead_liaison")
    for name, content in [("照片.png", b"MZ\x90\x00 not a png at all"), ("run.exe", b"MZ\x90\x00")]:
        response = client.post(
            f"/api/v1/issues/{signed.pk}/updates/",
            {"text": "附件", "files": [_upload("好.png", PNG), _upload(name, content)]},
            format="multipart",
        )
        error = assert_error(response, 400, "invalid")
        assert list(error["fields"]) == ["files"]
        assert name in error["fields"]["files"][0]
    assert not ProgressUpdate.objects.exists()


def test_progress_in_wrong_state_is_409(client_as, issue):
    response = client_as("lead_liaison").post(
        f"/api/v1/issues/{issue.pk}/updates/", {"text": "尚未签收"}, format="multipart"
    )
    assert_error(response, 409, "transition_not_allowed")


def test_hand_off_refuses_control_characters_in_text(world, client_as):
    """Issue 14, finding 2: a vertical tab pasted from Word is refused at input, with a message."""
    client = client_as("inspector")
    body = _handoff_body(world, title="审批\x0b推诿", description="描述\x07。")
    error = assert_error(client.post("/api/v1/issues/", body, format="json"), 400)
    assert set(error["fields"]) >= {"title", "description"}
    assert "控制字符" in str(error["fields"]["title"])
    assert not Issue.objects.exists()
    # tabs and line breaks are text, not control characters
    ok = client.post("/api/v1/issues/", _handoff_body(world, description="第一行\r\n第二行\t。"), format="json")
    assert ok.status_code == 201, ok.content
