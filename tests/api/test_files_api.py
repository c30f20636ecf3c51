"""Evidence and visit attachments download through the API with a token, as the download_url in
the progress and visit answers says; out of scope is 404 as everywhere in the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import VisitAttachment
from issues import services
from tests.api.conftest import assert_error
from tests.factories import SiteVisitFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def evidence(world):
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    update = services.issue_progress_add(
        issue=issue,
        actor=world.lead_liaison,
        text="已完成整改。",
        percent=100,
        files=[SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")],
    )
    return update.evidence.get()


@pytest.fixture
def attachment(world):
    from django.core.files.base import ContentFile

    visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
    attachment = VisitAttachment(
        visit=visit, original_name="现场.png", content_type="image/png", size=len(PNG), uploaded_by=world.inspector
    )
    attachment.file.save("visits/api.png", ContentFile(PNG), save=False)
    attachment.save()
    return attachment


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("lead_liaison", 200),
        ("inspector", 200),
        ("leader", 200),
        ("other_liaison", 404),
        ("other_inspector", 404),
        ("anonymous", 401),
    ],
)
def test_evidence_download_per_role(world, client_as, evidence, role, status):
    response = client_as(role).get(f"/api/v1/evidence/{evidence.pk}/")
    assert response.status_code == status
    if status == 200:
        assert _body(response) == PNG
        assert response["Content-Type"] == "application/octet-stream"  # the one binary type the schema declares
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response["Content-Type"] == "application/json"


def test_the_download_url_in_the_progress_list_works_with_a_token(world, client_as, evidence):
    client = client_as("lead_liaison")
    updates = client.get(f"/api/v1/issues/{evidence.update.issue_id}/updates/").json()
    url = updates[0]["evidence"][0]["download_url"]
    assert url == f"/api/v1/evidence/{evidence.pk}/"
    assert _body(client.get(url, HTTP_ACCEPT="image/png")) == PNG  # any Accept: the file, not a 406


def test_the_download_url_in_a_visit_works_with_a_token(world, client_as, attachment):
    client = client_as("inspector")
    visit = client.get(f"/api/v1/visits/{attachment.visit_id}/").json()
    url = visit["attachments"][0]["download_url"]
    assert url == f"/api/v1/attachments/{attachment.pk}/"
    assert _body(client.get(url)) == PNG
    assert_error(client_as("other_inspector").get(url), 404, "not_found")
    assert client_as("anonymous").get(url).status_code == 401


@pytest.mark.parametrize("bad", ["abc", "1.5", "0", "99999999999", "-1"])
def test_malformed_or_unknown_ids_are_a_json_404(world, client_as, bad):
    assert_error(client_as("leader").get(f"/api/v1/evidence/{bad}/"), 404, "not_found")
    assert_error(client_as("leader").get(f"/api/v1/attachments/{bad}/"), 404, "not_found")


def test_a_file_missing_on_disk_is_a_404_not_a_500(world, client_as, evidence):
    evidence.file.storage.delete(evidence.file.name)
    assert_error(client_as("leader").get(f"/api/v1/evidence/{evidence.pk}/"), 404)


def test_a_progress_report_holds_the_web_forms_limit_of_20_files(world, client_as):
    from issues.models import ProgressUpdate

    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    files = [SimpleUploadedFile(f"照片{n}.png", PNG, content_type="image/png") for n in range(21)]
    response = client_as("lead_liaison").post(
        f"/api/v1/issues/{issue.pk}/updates/", {"text": "整改照片", "files": files}, format="multipart"
    )
    error = assert_error(response, 400)
    assert "一次最多上传 20 个文件" in str(error["fields"]["files"])
    assert not ProgressUpdate.objects.filter(issue=issue).exists()
