"""Evidence files are served only through a view that checks the issue's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from issues import services
from tests.issues.view_helpers import pdf_upload, png_bytes, png_upload


@pytest.fixture
def evidence(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    update = services.issue_progress_add(
        issue=issue, actor=world.lead_liaison, text="整改照片与报告", percent=50, files=[png_upload(), pdf_upload()]
    )
    photo, report = update.evidence.order_by("id")
    return photo, report


def url(item):
    return reverse("issues:evidence", args=[item.pk])


@pytest.mark.parametrize("who", ["inspector", "leader", "lead_liaison", "assisting_liaison"])
def test_in_scope_users_download(client, world, evidence, who):
    photo, report = evidence
    client.force_login(getattr(world, who))
    response = client.get(url(report))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_images_show_inline(client, world, evidence):
    photo, _ = evidence
    client.force_login(world.inspector)
    response = client.get(url(photo))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content) == png_bytes()


@pytest.mark.parametrize("who", ["other_inspector", "other_liaison"])
def test_out_of_scope_is_404(client, world, evidence, who):
    client.force_login(getattr(world, who))
    assert client.get(url(evidence[0])).status_code == 404


def test_storage_name_is_server_chosen(evidence):
    photo, _ = evidence
    assert "现场照片" not in photo.file.name and photo.file.name.startswith("evidence/")


def test_anonymous_is_sent_to_login(client, evidence):
    response = client.get(url(evidence[0]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
