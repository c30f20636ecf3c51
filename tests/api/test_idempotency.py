"""Safe retries of the API's creating writes (issue 14, finding 10): an Idempotency-Key replays the
first answer instead of writing twice, and a committed write never answers 500."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from core.models import IdempotencyKey
from issues import services
from issues.models import ExtensionRequest, Issue, ProgressUpdate
from notifications.models import Notification
from tests.api.conftest import assert_error

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


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


def _hand_off(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/issues/", body, format="json", headers=headers)


def test_a_replayed_hand_off_answers_the_first_result_and_hands_off_once(world, client_as):
    client = client_as("inspector")
    first = _hand_off(client, _handoff_body(world), key="7d5c-hand-off-1")
    assert first.status_code == 201, first.content
    notices = Notification.objects.count()
    assert notices == 2  # the lead and the assisting department's liaisons, once each

    again = _hand_off(client, _handoff_body(world), key="7d5c-hand-off-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Issue.objects.count() == 1
    assert Notification.objects.count() == notices
    # a new key is a new hand-off
    assert _hand_off(client, _handoff_body(world), key="7d5c-hand-off-2").status_code == 201
    assert Issue.objects.count() == 2


def test_the_same_key_with_another_body_is_409_in_the_error_shape(world, client_as):
    client = client_as("inspector")
    assert _hand_off(client, _handoff_body(world), key="k-1").status_code == 201
    error = assert_error(_hand_off(client, _handoff_body(world, title="另一个问题"), key="k-1"), 409)
    assert error["code"] == "idempotency_key_reused"
    assert "幂等键已用于另一个请求" in error["message"]
    # the same key on another operation is another request too
    visit = {"project": world.project.pk, "visited_on": timezone.localdate().isoformat(), "place": "现场"}
    visit |= {"methods": ["onsite"], "summary": "座谈"}
    response = client.post("/api/v1/visits/", visit, format="json", headers={"Idempotency-Key": "k-1"})
    assert_error(response, 409, "idempotency_key_reused")
    assert Issue.objects.count() == 1 and not world.project.visits.exists()


def test_keys_belong_to_their_user(world, client_as):
    assert _hand_off(client_as("inspector"), _handoff_body(world), key="shared").status_code == 201
    response = _hand_off(client_as("group_lead"), _handoff_body(world), key="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Issue.objects.count() == 2


def test_an_error_answer_does_not_use_up_the_key(world, client_as):
    client = client_as("inspector")
    assert_error(_hand_off(client, _handoff_body(world, title=""), key="retry-me"), 400)
    assert not IdempotencyKey.objects.exists()
    response = _hand_off(client, _handoff_body(world), key="retry-me")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Issue.objects.count() == 1


def test_a_malformed_key_is_400_under_the_header(world, client_as):
    error = assert_error(_hand_off(client_as("inspector"), _handoff_body(world), key="含中文的键"), 400)
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert not Issue.objects.exists()


def test_a_replayed_progress_report_with_files_is_stored_once(world, client_as, signed_issue):
    client = client_as("lead_liaison")

    def post():
        files = [io.BytesIO(PNG)]
        files[0].name = "现场.png"
        body = {"text": "现场整改照片", "percent": 60, "files": files}
        url = f"/api/v1/issues/{signed_issue.pk}/updates/"
        return client.post(url, body, format="multipart", headers={"Idempotency-Key": "progress-1"})

    first, again = post(), post()  # each a new multipart encoding of the same request
    assert first.status_code == again.status_code == 201, again.content
    assert again.json() == first.json()
    assert ProgressUpdate.objects.count() == 1


def test_a_replayed_extension_request_is_not_refused_as_a_second_one(world, client_as, signed_issue):
    client = client_as("lead_liaison")
    body = {
        "action": "extension_request",
        "note": "林地审批尚需时间",
        "requested_deadline": (signed_issue.rectification_deadline + dt.timedelta(days=30)).isoformat(),
    }
    url = f"/api/v1/issues/{signed_issue.pk}/transitions/"
    first = client.post(url, body, format="json", headers={"Idempotency-Key": "ext-1"})
    again = client.post(url, body, format="json", headers={"Idempotency-Key": "ext-1"})
    assert first.status_code == again.status_code == 200, again.content
    assert again.json() == first.json()
    assert ExtensionRequest.objects.count() == 1
    # without the key, a second request is what it is: refused, one is already pending
    assert_error(client.post(url, body, format="json"), 409)


def test_a_replayed_visit_is_recorded_once(world, client_as):
    body = {
        "project": world.project.pk,
        "visited_on": timezone.localdate().isoformat(),
        "place": "项目施工现场",
        "methods": ["forum"],
        "summary": "座谈了解企业用地诉求。",
        "findings": [{"kind": "demand", "text": "希望加快林地审批"}],
    }
    client = client_as("inspector")
    first = client.post("/api/v1/visits/", body, format="json", headers={"Idempotency-Key": "visit-1"})
    again = client.post("/api/v1/visits/", body, format="json", headers={"Idempotency-Key": "visit-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert world.project.visits.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_write_rolls_it_back_instead_of_answering_500(world, client_as, monkeypatch):
    """The connection drops while the answer is read back (where a committed hand-off used to
    answer 500): now the answer is read inside the write's transaction, so nothing is committed,
    the client is told to retry (503), and its retry under the same key hands off exactly once."""
    import issues.api

    real = issues.api._detail_queryset
    calls = []

    def dropped(user):
        calls.append(user)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(user)

    monkeypatch.setattr(issues.api, "_detail_queryset", dropped)
    client = client_as("inspector")
    failed = _hand_off(client, _handoff_body(world), key="flaky-network")
    error = assert_error(failed, 503, "unavailable")
    assert failed["Retry-After"]
    assert error["message"] == "服务暂时不可用，请稍后重试。"
    assert not Issue.objects.exists() and not Notification.objects.exists()
    assert not IdempotencyKey.objects.exists()

    retried = _hand_off(client, _handoff_body(world), key="flaky-network")
    assert retried.status_code == 201, retried.content
    assert Issue.objects.count() == 1
    assert Notification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_under_one_key_hand_off_once(world, client_as):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    barrier = threading.Barrier(2)
    answers = []
    clients = [client_as("inspector"), client_as("inspector")]

    def post(client):
        close_old_connections()
        barrier.wait()
        try:
            answers.append(_hand_off(client, _handoff_body(world), key="double-click"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sum(answer.has_header("Idempotent-Replayed") for answer in answers) == 1
    assert Issue.objects.count() == 1
    assert Notification.objects.count() == 2


def test_the_schema_documents_the_header_on_every_creating_write(world, client_as):
    schema = client_as("inspector").get("/api/schema/?format=json").json()
    creating = [
        ("/api/v1/issues/", "post"),
        ("/api/v1/issues/{id}/updates/", "post"),
        ("/api/v1/issues/{id}/transitions/", "post"),
        ("/api/v1/visits/", "post"),
    ]
    for path, method in creating:
        operation = schema["paths"][path][method]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], path
        assert "409" in operation["responses"], path


@pytest.fixture
def signed_issue(world):
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    return issue


def test_keys_older_than_a_week_are_purged_and_may_be_used_again(world, client_as):
    from core.tasks import purge_idempotency_keys

    client = client_as("inspector")
    assert _hand_off(client, _handoff_body(world), key="weekly").status_code == 201
    assert _hand_off(client, _handoff_body(world), key="fresh").status_code == 201
    IdempotencyKey.objects.filter(key="weekly").update(created_at=timezone.now() - dt.timedelta(days=8))
    assert purge_idempotency_keys.apply().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    response = _hand_off(client, _handoff_body(world), key="weekly")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
