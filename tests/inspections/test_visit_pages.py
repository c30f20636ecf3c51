"""Site visit pages: logging a visit with findings and files, reading it, editing with a stale
check, archiving, and the scoped attachment view."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from inspections.models import Finding, SiteVisit, VisitAttachment
from tests.factories import FindingFactory, SiteVisitFactory

pytestmark = pytest.mark.django_db


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A real (viewable) solid-red PNG, built by hand so the tests need no imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def visit_post(world, **overrides) -> dict:
    data = {
        "project": world.project.pk,
        "visited_on": timezone.localdate().isoformat(),
        "place": "水电硅项目矿区",
        "methods": ["forum", "onsite"],
        "participants": "企业负责人\n县自然资源局",
        "summary": "实地察看矿区用地情况，与企业座谈。",
        "latitude": "27.338000",
        "longitude": "103.717000",
        "findings-TOTAL_FORMS": "2",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "50",
        "findings-0-kind": "blockage",
        "findings-0-text": "林地报批卡在省级审核",
        "findings-1-kind": "demand",
        "findings-1-text": "希望协调220千伏线路尽快开工",
    }
    data.update(overrides)
    return data


def create_url(world) -> str:
    return reverse("inspections:create") + f"?project={world.project.pk}"


# ---- create ---------------------------------------------------------------------------


def test_inspector_logs_a_visit_with_findings_photo_and_pdf(client, world):
    client.force_login(world.inspector)
    files = [
        SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("会议纪要.pdf", pdf_bytes(), content_type="application/pdf"),
    ]
    response = client.post(create_url(world), {**visit_post(world), "files": files}, follow=True)
    visit = SiteVisit.objects.get()
    assert response.redirect_chain == [(reverse("inspections:detail", args=[visit.pk]), 302)]
    assert 'class="alert alert-success' in response.content.decode()
    assert "督导检查记录已保存。" in response.content.decode()
    assert visit.method_forum and visit.method_onsite and not visit.method_documents
    assert visit.created_by == world.inspector
    assert list(visit.inspectors.all()) == [world.inspector]
    assert str(visit.latitude) == "27.338000"
    assert [(f.kind, f.text) for f in visit.findings.order_by("position")] == [
        ("blockage", "林地报批卡在省级审核"),
        ("demand", "希望协调220千伏线路尽快开工"),
    ]
    attachments = {a.original_name: a for a in visit.attachments.all()}
    assert set(attachments) == {"现场.png", "会议纪要.pdf"}
    png = attachments["现场.png"]
    assert png.content_type == "image/png"
    assert png.file.name.startswith("visits/") and "现场" not in png.file.name  # server-chosen name


@pytest.mark.parametrize("who", ["group_lead", "authorized_inspector"])
def test_other_inspectors_of_the_project_may_log(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(create_url(world)).status_code == 200
    assert client.post(create_url(world), visit_post(world)).status_code == 302


@pytest.mark.parametrize("who", ["other_inspector", "leader", "lead_liaison", "other_liaison"])
def test_outsiders_cannot_log_a_visit(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(create_url(world)).status_code == 404
    assert client.post(create_url(world), visit_post(world)).status_code == 404
    assert not SiteVisit.objects.exists()


def test_create_without_project_offers_the_inspectors_projects(client, world):
    client.force_login(world.inspector)
    html = client.get(reverse("inspections:create")).content.decode()
    assert world.project.name in html and world.other_project.name not in html
    client.force_login(world.lead_liaison)
    assert client.get(reverse("inspections:create")).status_code == 404


def test_anonymous_goes_to_login(client, world):
    visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
    for url in (create_url(world), reverse("inspections:detail", args=[visit.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_missing_fields_show_chinese_errors_and_keep_typed_values(client, world):
    client.force_login(world.inspector)
    data = visit_post(world, place="", methods=[], summary="  ", **{"findings-1-kind": ""})
    response = client.post(create_url(world), data)
    assert response.status_code == 200
    html = response.content.decode()
    for message in ("请填写检查地点。", "请至少选择一种检查方式。", "请填写检查情况。", "请选择发现的类型。"):
        assert message in html, message
    assert "企业负责人" in html  # participants kept
    assert "林地报批卡在省级审核" in html  # finding rows kept
    assert "希望协调220千伏线路尽快开工" in html
    assert 'value="27.338000"' in html
    assert not SiteVisit.objects.exists()


def test_future_date_and_half_location_are_refused(client, world):
    client.force_login(world.inspector)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    html = client.post(create_url(world), visit_post(world, visited_on=tomorrow, longitude="")).content.decode()
    assert "检查日期不能晚于今天。" in html
    assert not SiteVisit.objects.exists()
    html = client.post(create_url(world), visit_post(world, longitude="")).content.decode()
    assert "经纬度需同时填写，或同时留空。" in html
    html = client.post(create_url(world), visit_post(world, latitude="95", longitude="1")).content.decode()
    assert "纬度应为 -90 到 90 之间的数字。" in html


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: SimpleUploadedFile("照片.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "内容与扩展名不符",
        ),
        (
            lambda: SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"),
            "不支持的文件类型",
        ),
        (lambda: SimpleUploadedFile("大照片.png", png_bytes() + b"\x00" * 4096, "image/png"), "过大"),
    ],
    ids=["html-renamed-png", "exe", "oversize"],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(client, world, settings, upload, message):
    settings.DUDAO_UPLOAD_MAX_BYTES = 2048
    client.force_login(world.inspector)
    good = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    response = client.post(create_url(world), {**visit_post(world), "files": [good, upload()]})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "请重新选择" in html
    assert not SiteVisit.objects.exists()
    assert not VisitAttachment.objects.exists()


# ---- detail ---------------------------------------------------------------------------


@pytest.fixture
def visit(world):
    visit = SiteVisitFactory(
        project=world.project, created_by=world.inspector, place="矿区现场", summary="察看进场道路"
    )
    visit.inspectors.add(world.inspector)
    FindingFactory(visit=visit, text="进场道路未硬化")
    return visit


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("admin", 200),
        ("inspector", 200),
        ("group_lead", 200),
        ("authorized_inspector", 200),
        ("other_inspector", 404),
        ("lead_liaison", 404),
        ("assisting_liaison", 404),
        ("other_liaison", 404),
    ],
)
def test_visit_detail_scoped_by_role(client, world, visit, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("inspections:detail", args=[visit.pk]))
    assert response.status_code == status
    if status == 200:
        assert "进场道路未硬化" in response.content.decode()


def test_finding_has_hand_off_button_for_inspectors_only(client, world, visit):
    finding = visit.findings.get()
    hand_off = reverse("issues:create") + f"?finding={finding.pk}"
    client.force_login(world.inspector)
    assert hand_off in client.get(reverse("inspections:detail", args=[visit.pk])).content.decode()
    client.force_login(world.leader)
    assert hand_off not in client.get(reverse("inspections:detail", args=[visit.pk])).content.decode()


def test_handed_off_finding_links_to_its_issue(client, world, visit):
    finding = visit.findings.get()
    issue = world.hand_off(source_visit=visit, source_finding=finding)
    client.force_login(world.inspector)
    html = client.get(reverse("inspections:detail", args=[visit.pk])).content.decode()
    assert reverse("issues:detail", args=[issue.pk]) in html
    assert f"?finding={finding.pk}" not in html


def test_archived_visit_is_404(client, world, visit):
    SiteVisit.objects.filter(pk=visit.pk).update(is_archived=True)
    client.force_login(world.inspector)
    assert client.get(reverse("inspections:detail", args=[visit.pk])).status_code == 404


def test_visit_detail_query_count_does_not_grow_with_findings(client, world, visit, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.inspector)
    url = reverse("inspections:detail", args=[visit.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        FindingFactory(visit=visit)
    world.hand_off(source_visit=visit, source_finding=visit.findings.last())
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# ---- attachments ----------------------------------------------------------------------


def _attach(visit, name: str, content: bytes, content_type: str) -> VisitAttachment:
    from core.files import storage_name

    attachment = VisitAttachment(
        visit=visit, original_name=name, content_type=content_type, size=len(content), uploaded_by=visit.created_by
    )
    attachment.file.save(storage_name("visits", name.rsplit(".", 1)[-1]), io.BytesIO(content), save=False)
    attachment.save()
    return attachment


def test_photo_is_shown_inline_and_pdf_downloads(client, world, visit):
    photo = _attach(visit, "现场.png", png_bytes(), "image/png")
    pdf = _attach(visit, "纪要.pdf", pdf_bytes(), "application/pdf")
    client.force_login(world.authorized_inspector)
    response = client.get(reverse("inspections:attachment", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == png_bytes()
    response = client.get(reverse("inspections:attachment", args=[pdf.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    detail = client.get(reverse("inspections:detail", args=[visit.pk])).content.decode()
    assert reverse("inspections:attachment", args=[photo.pk]) in detail


@pytest.mark.parametrize("who", ["other_inspector", "lead_liaison", "other_liaison"])
def test_attachment_out_of_scope_is_404(client, world, visit, who):
    photo = _attach(visit, "现场.png", png_bytes(), "image/png")
    client.force_login(getattr(world, who))
    assert client.get(reverse("inspections:attachment", args=[photo.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("inspections:attachment", args=[photo.pk]))
    assert response.status_code == 302


# ---- edit / archive -------------------------------------------------------------------


def edit_post(visit, **overrides) -> dict:
    finding = visit.findings.get()
    data = {
        "visited_on": visit.visited_on.isoformat(),
        "place": "矿区现场（东区）",
        "methods": ["onsite", "documents"],
        "participants": "",
        "summary": "察看进场道路，查阅用地批复。",
        "latitude": "",
        "longitude": "",
        "version": str(visit.version),
        "findings-TOTAL_FORMS": "2",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "50",
        "findings-0-id": str(finding.pk),
        "findings-0-kind": "difficulty",
        "findings-0-text": "进场道路未硬化，雨季无法通行",
        "findings-1-kind": "expectation",
        "findings-1-text": "盼尽快完成道路招标",
    }
    data.update(overrides)
    return data


def test_edit_updates_visit_bumps_version_and_adds_findings(client, world, visit):
    client.force_login(world.group_lead)
    url = reverse("inspections:edit", args=[visit.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, edit_post(visit))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.version == 2
    assert visit.place == "矿区现场（东区）"
    assert visit.method_documents and visit.method_onsite and not visit.method_forum
    assert [(f.kind, f.text) for f in visit.findings.order_by("position")] == [
        ("difficulty", "进场道路未硬化，雨季无法通行"),
        ("expectation", "盼尽快完成道路招标"),
    ]
    assert world.group_lead in visit.inspectors.all()


def test_stale_edit_is_refused_and_keeps_the_typed_text(client, world, visit):
    client.force_login(world.inspector)
    url = reverse("inspections:edit", args=[visit.pk])
    stale = edit_post(visit)
    SiteVisit.objects.filter(pk=visit.pk).update(version=5, summary="别人刚保存的内容")
    response = client.post(url, stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已被他人修改" in html
    assert "他人保存的内容：" in html and "检查情况（现为：别人刚保存的内容）" in html  # what changed
    assert "察看进场道路，查阅用地批复。" in html
    visit.refresh_from_db()
    assert visit.summary == "别人刚保存的内容"
    assert visit.findings.get().text == "进场道路未硬化"


def test_handed_off_finding_cannot_be_edited(client, world, visit):
    finding = visit.findings.get()
    world.hand_off(source_visit=visit, source_finding=finding)
    client.force_login(world.inspector)
    url = reverse("inspections:edit", args=[visit.pk])
    html = client.get(url).content.decode()
    assert "以下发现已交办" in html
    response = client.post(url, edit_post(visit))
    assert "已交办的发现不能再修改" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).text == "进场道路未硬化"


@pytest.mark.parametrize("who", ["leader", "other_inspector", "lead_liaison"])
def test_outsiders_cannot_edit(client, world, visit, who):
    client.force_login(getattr(world, who))
    url = reverse("inspections:edit", args=[visit.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, edit_post(visit)).status_code == 404


def test_archive_hides_the_visit_but_keeps_the_row(client, world, visit):
    client.force_login(world.inspector)
    response = client.post(reverse("inspections:archive", args=[visit.pk]), {"version": visit.version})
    assert response.status_code == 302
    assert SiteVisit.objects.filter(pk=visit.pk, is_archived=True).exists()
    assert client.get(reverse("inspections:detail", args=[visit.pk])).status_code == 404


def test_archive_refused_once_an_issue_came_from_the_visit(client, world, visit):
    world.hand_off(source_visit=visit, source_finding=visit.findings.get())
    client.force_login(world.inspector)
    response = client.post(reverse("inspections:archive", args=[visit.pk]), {"version": visit.version}, follow=True)
    assert "已有交办问题，不能作废" in response.content.decode()
    assert not SiteVisit.objects.get(pk=visit.pk).is_archived


def test_archive_by_outsider_is_404(client, world, visit):
    client.force_login(world.leader)
    assert client.post(reverse("inspections:archive", args=[visit.pk]), {"version": 1}).status_code == 404
