"""Every action form on the issue detail, per role: success, refusals, Chinese errors with the
typed input kept, upload refusals and stale-version conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services
from issues.models import EvidenceFile, ExtensionRequest, IssueEvent, IssueStatus
from tests.issues.view_helpers import png_upload


def act(client, issue, action, data=None, *, files=None):
    payload = {f"{action}-expected_version": issue.version}
    payload.update({f"{action}-{key}": value for key, value in (data or {}).items()})
    if files is not None:
        payload[f"{action}-files"] = files
    return client.post(reverse("issues:act", args=[issue.pk, action]), payload)


@pytest.fixture
def signed(world, issue):
    return services.issue_sign(issue=issue, actor=world.lead_liaison)


@pytest.fixture
def submitted(world, signed):
    return services.issue_submit(issue=signed, actor=world.lead_liaison, note="已整改完毕")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- department side ----------------------------------------------------------------------


def test_lead_liaison_signs(client, world, issue):
    client.force_login(world.lead_liaison)
    response = act(client, issue, "sign", {"note": "已安排专人办理"})
    assert response.status_code == 302 and response["Location"] == reverse("issues:detail", args=[issue.pk])
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS
    assert "已签收，问题进入整改。" in messages_of(client.get(response["Location"]))


@pytest.mark.parametrize(
    "who, status",
    [("assisting_liaison", 403), ("inspector", 403), ("leader", 403), ("other_liaison", 404), ("other_inspector", 404)],
)
def test_sign_refused_for_others(client, world, issue, who, status):
    client.force_login(getattr(world, who))
    assert act(client, issue, "sign").status_code == status
    issue.refresh_from_db()
    assert issue.status == IssueStatus.HANDED_OFF


def test_unknown_action_is_404(client, world, issue):
    client.force_login(world.inspector)
    assert act(client, issue, "delete").status_code == 404


def test_get_on_an_action_is_not_allowed(client, world, issue):
    client.force_login(world.lead_liaison)
    assert client.get(reverse("issues:act", args=[issue.pk, "sign"])).status_code == 405


def test_progress_with_several_evidence_files(client, world, signed):
    client.force_login(world.lead_liaison)
    response = act(
        client,
        signed,
        "progress",
        {"text": "已完成材料清单梳理", "percent": 40},
        files=[png_upload("现场1.png"), png_upload("现场2.png")],
    )
    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.progress_percent == 40
    assert sorted(EvidenceFile.objects.values_list("original_name", flat=True)) == ["现场1.png", "现场2.png"]


def test_progress_errors_are_chinese_and_keep_the_typed_text(client, world, signed):
    client.force_login(world.lead_liaison)
    response = act(client, signed, "progress", {"text": "已召开专题会", "percent": 150})
    assert response.status_code == 200
    body = response.content.decode()
    assert "完成进度应在 0 到 100 之间。" in body
    assert "已召开专题会" in body
    assert response.context["open_panel"] == "progress"
    missing = act(client, signed, "progress", {"text": "", "percent": 10}).content.decode()
    assert "此项为必填项。" in missing
    assert "浏览器不会保留已选择的文件" not in missing  # nothing was chosen, nothing to re-select


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("照片.png", b"<html><script>alert(1)</script></html>", "image/png"), "内容与扩展名不符"),
        (
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"),
            "不支持的文件类型",
        ),
        (SimpleUploadedFile("大照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 400, "image/png"), "过大"),
    ],
    ids=["html-renamed-png", "exe", "oversize"],
)
def test_bad_uploads_are_refused_with_a_clear_message(client, world, signed, settings, upload, message):
    settings.DUDAO_UPLOAD_MAX_BYTES = 200
    client.force_login(world.lead_liaison)
    response = act(client, signed, "progress", {"text": "附整改照片"}, files=[upload])
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "附整改照片" in body
    assert "浏览器不会保留已选择的文件" in body  # files cannot be kept: say so
    assert not EvidenceFile.objects.exists()
    assert not signed.updates.exists()


def test_assisting_liaison_adds_a_note_without_percent(client, world, signed):
    client.force_login(world.assisting_liaison)
    response = act(client, signed, "note", {"text": "林地部分已核实"}, files=[png_upload()])
    assert response.status_code == 302
    update = signed.updates.get()
    assert update.department == world.assisting_department and update.percent is None
    assert update.evidence.count() == 1


def test_assisting_liaison_cannot_submit_or_request_extension(client, world, signed):
    client.force_login(world.assisting_liaison)
    assert act(client, signed, "submit", {"note": "完成"}).status_code == 403
    assert (
        act(client, signed, "extension_request", {"reason": "x", "requested_deadline": "2027-06-01"}).status_code == 403
    )


def test_extension_request_validation_and_approval(client, world, signed):
    client.force_login(world.lead_liaison)
    early = act(client, signed, "extension_request", {"reason": "涉及林地报批", "requested_deadline": "2020-01-01"})
    body = early.content.decode()
    assert "申请延至的日期必须晚于当前整改时限" in body and "涉及林地报批" in body
    later = signed.rectification_deadline + dt.timedelta(days=30)
    assert (
        act(
            client, signed, "extension_request", {"reason": "涉及林地报批", "requested_deadline": later.isoformat()}
        ).status_code
        == 302
    )
    extension = ExtensionRequest.objects.get()
    signed.refresh_from_db()  # the request is a write: the page the lead opens carries its version
    client.force_login(world.inspector)  # an inspector of the group, not its lead: the decision is not his
    assert (
        act(client, signed, "extension_decide", {"extension": extension.pk, "decision": "approve"}).status_code == 403
    )
    assert 'id="panel-extension_decide"' not in client.get(reverse("issues:detail", args=[signed.pk])).content.decode()
    client.force_login(world.group_lead)
    denied_without_reason = act(client, signed, "extension_decide", {"extension": extension.pk, "decision": "deny"})
    assert "不同意延期时请填写理由。" in denied_without_reason.content.decode()
    approved = act(
        client, signed, "extension_decide", {"extension": extension.pk, "decision": "approve", "note": "同意"}
    )
    assert approved.status_code == 302
    signed.refresh_from_db()
    assert signed.rectification_deadline == later


def test_submit_requires_a_note(client, world, signed):
    client.force_login(world.lead_liaison)
    assert "此项为必填项。" in act(client, signed, "submit", {"note": ""}).content.decode()
    assert act(client, signed, "submit", {"note": "整改完成"}).status_code == 302
    signed.refresh_from_db()
    assert signed.status == IssueStatus.SUBMITTED


# --- inspector side -----------------------------------------------------------------------


def test_return_needs_a_reason_then_goes_back_to_the_department(client, world, submitted):
    client.force_login(world.inspector)
    assert "此项为必填项。" in act(client, submitted, "return", {"note": " "}).content.decode()
    assert act(client, submitted, "return", {"note": "佐证材料不足"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == IssueStatus.IN_PROGRESS and submitted.return_count == 1


def test_verification_review_propose_then_the_lead_confirms(client, world, signed):
    services.issue_progress_add(issue=signed, actor=world.lead_liaison, text="照片", percent=90, files=[png_upload()])
    signed.refresh_from_db()
    submitted = services.issue_submit(issue=signed, actor=world.lead_liaison, note="已整改完毕")
    evidence = EvidenceFile.objects.get()
    client.force_login(world.lead_liaison)
    assert act(client, submitted, "propose_close", {"note": "x"}).status_code == 403
    client.force_login(world.inspector)
    page = client.get(reverse("issues:detail", args=[submitted.pk])).content.decode()
    assert 'id="panel-review_evidence"' in page and 'id="panel-propose_close"' in page
    assert 'id="panel-confirm_close"' not in page
    unreviewed = act(client, submitted, "propose_close", {"note": "核验属实"})
    assert "还有 1 份佐证材料未审核" in unreviewed.content.decode() and "核验属实" in unreviewed.content.decode()
    missing_note = act(client, submitted, "review_evidence", {"evidence": evidence.pk, "verdict": "insufficient"})
    assert "标记为“不足”时请写明缺什么。" in missing_note.content.decode()
    assert (
        act(client, submitted, "review_evidence", {"evidence": evidence.pk, "verdict": "accepted"}).status_code == 302
    )
    submitted.refresh_from_db()
    assert "已审" in client.get(reverse("issues:detail", args=[submitted.pk])).content.decode()
    assert act(client, submitted, "propose_close", {"note": "核验属实，照片与现场一致"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == IssueStatus.CLOSE_PROPOSED
    # The handing inspector proposed: he is offered no confirmation and is refused one.
    page = client.get(reverse("issues:detail", args=[submitted.pk])).content.decode()
    assert 'id="panel-confirm_close"' not in page and "核验属实，照片与现场一致" in page
    assert act(client, submitted, "confirm_close").status_code == 403
    client.force_login(world.group_lead)
    page = client.get(reverse("issues:detail", args=[submitted.pk])).content.decode()
    assert 'id="panel-confirm_close"' in page and 'id="panel-reject_close"' in page
    assert act(client, submitted, "confirm_close", {"note": "同意"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == IssueStatus.CLOSED and submitted.progress_percent == 100


def test_submit_panel_waits_for_a_pending_extension(client, world, signed):
    services.extension_request_create(
        issue=signed,
        actor=world.lead_liaison,
        requested_deadline=signed.rectification_deadline + dt.timedelta(days=5),
        reason="等待批复",
    )
    signed.refresh_from_db()
    client.force_login(world.lead_liaison)
    page = client.get(reverse("issues:detail", args=[signed.pk])).content.decode()
    assert 'id="panel-submit"' not in page and "延期申请尚待组长审批，审批后才能提交核验。" in page
    stale_form = act(client, signed, "submit", {"note": "已整改"})
    assert "该问题的延期申请尚待审批，审批后才能提交核验。" in stale_form.content.decode()
    signed.refresh_from_db()
    assert signed.status == IssueStatus.IN_PROGRESS


def test_withdraw_needs_a_reason(client, world, issue):
    client.force_login(world.inspector)
    assert "此项为必填项。" in act(client, issue, "withdraw", {"note": ""}).content.decode()
    assert act(client, issue, "withdraw", {"note": "重复交办"}).status_code == 302
    issue.refresh_from_db()
    assert issue.status == IssueStatus.WITHDRAWN


def test_edit_hand_off_while_handed_off(client, world, issue):
    client.force_login(world.inspector)
    data = {
        "title": "审批窗口推诿扯皮（补充）",
        "description": "补充说明",
        "category": "approval",
        "severity": "serious",
        "sign_deadline": issue.sign_deadline.isoformat(),
        "rectification_deadline": issue.rectification_deadline.isoformat(),
    }
    assert act(client, issue, "edit", data).status_code == 302
    issue.refresh_from_db()
    assert issue.title == "审批窗口推诿扯皮（补充）" and issue.severity == "serious"
    assert issue.events.filter(action=IssueEvent.Action.EDIT).exists()


def test_edit_refuses_a_deadline_moved_into_the_past_and_keeps_the_form(client, world, issue):
    client.force_login(world.inspector)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    data = {
        "title": "审批窗口推诿扯皮（补充）",
        "description": "补充说明",
        "category": issue.category,
        "severity": issue.severity,
        "sign_deadline": yesterday.isoformat(),
        "rectification_deadline": issue.rectification_deadline.isoformat(),
    }
    response = act(client, issue, "edit", data)
    body = response.content.decode()
    assert response.status_code == 200 and "签收时限不能早于今天。" in body and "审批窗口推诿扯皮（补充）" in body
    issue.refresh_from_db()
    assert issue.title != "审批窗口推诿扯皮（补充）" and issue.sign_deadline != yesterday
    assert not issue.events.filter(action=IssueEvent.Action.EDIT).exists()


def test_stale_form_gets_a_conflict_message_and_keeps_the_text(client, world, issue):
    client.force_login(world.inspector)
    stale_version = issue.version
    services.issue_sign(issue=issue, actor=world.lead_liaison)  # someone else moved it meanwhile
    issue.refresh_from_db()
    response = client.post(
        reverse("issues:act", args=[issue.pk, "withdraw"]),
        {"withdraw-expected_version": stale_version, "withdraw-note": "重复交办，予以撤销"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "该问题已被他人修改（当前状态：整改中），请刷新后重试。" in body
    assert "重复交办，予以撤销" in body
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS


def test_stale_edit_is_a_conflict(client, world, issue):
    client.force_login(world.inspector)
    world.retitle(issue, "别人改过的标题", actor=world.group_lead)
    response = client.post(
        reverse("issues:act", args=[issue.pk, "edit"]),
        {
            "edit-expected_version": 1,
            "edit-title": "我的标题",
            "edit-description": "x",
            "edit-category": "other",
            "edit-severity": "general",
            "edit-sign_deadline": issue.sign_deadline.isoformat(),
            "edit-rectification_deadline": issue.rectification_deadline.isoformat(),
        },
    )
    assert "已被他人修改" in response.content.decode()
    issue.refresh_from_db()
    assert issue.title == "别人改过的标题"


# --- leader side --------------------------------------------------------------------------


def test_leader_instructs_and_others_may_not(client, world, issue):
    client.force_login(world.inspector)
    assert act(client, issue, "instruct", {"text": "抓紧办理"}).status_code == 403
    client.force_login(world.leader)
    assert "此项为必填项。" in act(client, issue, "instruct", {"text": ""}).content.decode()
    assert act(client, issue, "instruct", {"text": "抓紧办理，按期销号"}).status_code == 302
    assert issue.instructions.get().text == "抓紧办理，按期销号"
