"""The offline app's server side: the service worker and the manifest at the site root, the drafts
page, and a visit from a draft whose photos are still on their way."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from inspections import app_shell
from inspections.models import VisitAttachment
from tests.factories import SiteVisitFactory
from tests.issues.view_helpers import png_bytes


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert f'const RELEASE = "{app_shell.release_hash()}";' in body
    assert '"/static/js/offline/store.js"' in body and '"/manifest.webmanifest"' in body
    assert 'const STATIC_PREFIX = "/static/";' in body


@pytest.mark.django_db
def test_a_new_release_gets_a_new_cache_name(client):
    app_shell.release_hash.cache_clear()
    try:
        with override_settings(DUDAO_RELEASE="2026.12.1"):
            assert 'const RELEASE = "2026.12.1";' in client.get("/sw.js").content.decode()
    finally:
        app_shell.release_hash.cache_clear()
    assert len(app_shell.release_hash()) == 16


@pytest.mark.django_db
def test_the_manifest_names_the_app_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "督导" and manifest["short_name"] == "督导"
    assert manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#9e1b1e"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}


def test_the_drafts_page_names_the_forms_the_worker_keeps(client, world):
    client.force_login(world.inspector)
    response = client.get("/visits/drafts/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-field-page href="/visits/new/?project={world.project.pk}"' in page
    assert f"?project={world.other_project.pk}" not in page  # not his project
    assert 'id="dd-offline-messages"' in page and "js/offline/drafts.js" in page


def test_a_visit_from_a_draft_says_its_photos_are_still_coming(client, world):
    visit = SiteVisitFactory(project=world.project, created_by=world.inspector, device_photo_count=2)
    attachment = VisitAttachment(
        visit=visit, original_name="a.png", content_type="image/png", size=10, uploaded_by=world.inspector
    )
    attachment.device_index = 0
    attachment.file.save("visits/a.png", ContentFile(png_bytes()), save=False)
    attachment.save()
    client.force_login(world.leader)
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "照片仍在从记录人的设备上传：已收到 1/2 张" in page
    attachment.pk = None
    attachment.device_index = 1
    attachment.save()
    assert "照片仍在从记录人的设备上传" not in client.get(f"/visits/{visit.pk}/").content.decode()
