"""Offline drafts through /api/v1/visits: the device id makes a draft one visit however often it is
sent; its photos are uploaded one request each, keyed by visit and index, and stored once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inspections.models import Finding, SiteVisit, VisitAttachment
from tests.api.conftest import assert_error
from tests.issues.view_helpers import png_bytes


def draft(world, device_id, **overrides) -> dict:
    body = {
        "device_id": str(device_id),
        "project": world.project.pk,
        "visited_on": timezone.localdate().isoformat(),
        "place": "水电硅项目矿区",
        "methods": ["onsite", "forum"],
        "summary": "实地察看矿区道路建设。",
        "participants": "企业负责人",
        "findings": [
            {"kind": "blockage", "text": "用地报批材料多次退回"},
            {"kind": "demand", "text": "希望加快林地审批"},
        ],
        "photo_count": 2,
    }
    body.update(overrides)
    return body


def photo(rgb=(40, 120, 200), name="现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(8, 6, rgb), content_type="image/png")


def put_photo(client, visit_id: int, index: int, upload):
    return client.put(f"/api/v1/visits/{visit_id}/photos/{index}/", {"file": upload}, format="multipart")


def test_the_same_draft_twice_makes_one_visit_and_answers_the_first(world, client_as):
    client = client_as("inspector")
    device_id = uuid.uuid4()
    first = client.post("/api/v1/visits/", draft(world, device_id), format="json")
    assert first.status_code == 201, first.content
    assert "Dudao-Replayed" not in first
    # Sent again (the answer was lost): the methods in another order, whitespace around a text.
    again = draft(world, device_id, methods=["forum", "onsite"], place="  水电硅项目矿区 ")
    second = client.post("/api/v1/visits/", again, format="json")
    assert second.status_code == 200, second.content
    assert second["Dudao-Replayed"] == "true"
    assert second.json() == first.json()
    visit = SiteVisit.objects.get()
    assert visit.device_id == device_id and visit.device_photo_count == 2
    assert Finding.objects.filter(visit=visit).count() == 2


def test_the_same_device_id_with_another_body_is_a_409_in_chinese(world, client_as):
    client = client_as("inspector")
    device_id = uuid.uuid4()
    assert client.post("/api/v1/visits/", draft(world, device_id), format="json").status_code == 201
    changed = draft(world, device_id, summary="另一次检查的情况。")
    error = assert_error(client.post("/api/v1/visits/", changed, format="json"), 409, "device_id_conflict")
    assert "离线草稿编号已同步为另一条内容不同的检查记录" in error["message"]
    fewer_photos = draft(world, device_id, photo_count=1)
    assert_error(client.post("/api/v1/visits/", fewer_photos, format="json"), 409, "device_id_conflict")
    assert SiteVisit.objects.get().summary == "实地察看矿区道路建设。"


def test_device_ids_are_unique_per_user_not_across_users(world, client_as):
    device_id = uuid.uuid4()
    assert client_as("inspector").post("/api/v1/visits/", draft(world, device_id), format="json").status_code == 201
    # Another inspector of the same project whose device happened to make the same id: his own visit.
    other = world.group_lead
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other).key}")
    assert client.post("/api/v1/visits/", draft(world, device_id), format="json").status_code == 201
    assert SiteVisit.objects.filter(device_id=device_id).count() == 2


def test_a_replay_answers_even_after_the_authorization_ended(world, client_as):
    client = client_as("authorized_inspector")
    device_id = uuid.uuid4()
    first = client.post("/api/v1/visits/", draft(world, device_id), format="json")
    assert first.status_code == 201, first.content
    world.authorized_inspector.authorizations.update(revoked_at=timezone.now())
    second = client.post("/api/v1/visits/", draft(world, device_id), format="json")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    # A new draft for the project he lost is refused, with the reason in the field's message.
    error = assert_error(client.post("/api/v1/visits/", draft(world, uuid.uuid4()), format="json"), 400)
    assert "督导授权已到期、被撤销" in error["fields"]["project"][0]
    assert SiteVisit.objects.count() == 1


def test_photos_are_stored_once_per_index_and_refuse_another_photo(world, client_as):
    client = client_as("inspector")
    visit_id = client.post("/api/v1/visits/", draft(world, uuid.uuid4()), format="json").json()["id"]
    first = put_photo(client, visit_id, 0, photo())
    assert first.status_code == 201, first.content
    assert first.json()["device_index"] == 0
    again = put_photo(client, visit_id, 0, photo())
    assert again.status_code == 200 and again["Dudao-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    error = assert_error(put_photo(client, visit_id, 0, photo((200, 30, 30))), 409, "photo_conflict")
    assert "第 1 张草稿照片已上传为另一张照片" in error["message"]
    assert put_photo(client, visit_id, 1, photo((10, 10, 10))).status_code == 201
    assert_error(put_photo(client, visit_id, 2, photo()), 400)  # the draft declared two photos
    assert_error(put_photo(client, visit_id, "x", photo()), 404)
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf")
    assert_error(put_photo(client, visit_id, 1, pdf), 400)
    body = client.get(f"/api/v1/visits/{visit_id}/").json()
    assert sorted(a["device_index"] for a in body["attachments"]) == [0, 1]
    assert VisitAttachment.objects.count() == 2


def test_only_the_recorder_uploads_a_drafts_photos(world, client_as):
    visit_id = client_as("inspector").post("/api/v1/visits/", draft(world, uuid.uuid4()), format="json").json()["id"]
    lead = APIClient()
    lead.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.group_lead).key}")
    error = assert_error(put_photo(lead, visit_id, 0, photo()), 403)
    assert "只有记录人" in error["message"]
    assert_error(put_photo(client_as("leader"), visit_id, 0, photo()), 403)
    assert_error(put_photo(client_as("other_inspector"), visit_id, 0, photo()), 404)
    assert not VisitAttachment.objects.exists()


def test_photo_count_needs_a_device_id(world, client_as):
    body = draft(world, uuid.uuid4(), photo_count=2)
    del body["device_id"]
    assert_error(client_as("inspector").post("/api/v1/visits/", body, format="json"), 400)


def test_the_schema_documents_the_device_id_and_the_photo_upload(client_as):
    schema = client_as("inspector").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    create = schema["paths"]["/api/v1/visits/"]["post"]
    assert "device_id" in create["description"] and "Idempotency-Key" in create["description"]
    assert {"200", "201", "409"} <= set(create["responses"])
    upload = schema["paths"]["/api/v1/visits/{id}/photos/{index}/"]["put"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "201", "409"} <= set(upload["responses"])


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_draft_make_one_visit(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    token = Token.objects.create(user=world.inspector).key
    body = draft(world, uuid.uuid4())
    barrier = threading.Barrier(4)
    answers = []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            response = client.post("/api/v1/visits/", body, format="json")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in answers) == [200, 200, 200, 201]
    assert len({visit_id for _, visit_id in answers}) == 1
    assert SiteVisit.objects.count() == 1 and Finding.objects.count() == 2
