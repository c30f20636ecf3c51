"""销号 takes two people, the evidence is reviewed file by file, extensions are the lead's, a
submission waits for a pending extension and reports 100 %, a closed issue can be reopened, and
nothing is written on a finished issue."""

from __future__ import annotations

import datetime as dt

import pytest

from core.workdays import add_working_days
from issues import services
from issues.errors import IssueInvalidInput, IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import EvidenceReview, ExtensionRequest, IssueEvent, IssueStatus, ProgressUpdate
from notifications.models import Notification, NotificationKind
from projects.models import GroupMembership
from tests.factories import MembershipFactory, make_user
from tests.issues.view_helpers import pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def _submitted(world, issue, *, files=()):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    if files:
        services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="整改照片", percent=80, files=files)
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="已全部整改到位")
    issue.refresh_from_db()
    return issue


def _recipients(kind: str, issue) -> set[str]:
    return set(Notification.objects.filter(kind=kind, target_id=issue.pk).values_list("recipient__username", flat=True))


# --- separation of duties -----------------------------------------------------------------


def test_the_handing_inspector_proposes_but_never_confirms_his_own_proposal(world, issue):
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="佐证材料齐全，回头看属实")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSE_PROPOSED and issue.close_proposed_by == world.inspector
    assert issue.verification_opinion == "佐证材料齐全，回头看属实"
    with pytest.raises(IssuePermissionDenied) as caught:
        services.issue_confirm_close(issue=issue, actor=world.inspector)
    # He is neither the lead nor a leader: the general refusal says who may.
    assert str(caught.value) == "您无权确认销号：只有该问题所属督导组的组长或领导可以确认。"
    services.issue_confirm_close(issue=issue, actor=world.group_lead, note="同意销号")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED and issue.progress_percent == 100
    close = issue.events.get(action=IssueEvent.Action.CLOSE)
    assert close.actor == world.group_lead and close.data["proposed_by"] == world.inspector.pk


def test_a_lead_who_proposed_needs_another_lead_or_a_leader(world):
    issue = world.hand_off(actor=world.group_lead)
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.group_lead, note="核验属实")
    with pytest.raises(IssuePermissionDenied) as caught:
        services.issue_confirm_close(issue=issue, actor=world.group_lead)
    assert "销号是您提出的，不能由您本人确认" in str(caught.value)
    second_lead = make_user("second_lead", *world.group_lead.groups.values_list("name", flat=True))
    MembershipFactory(group=world.group, user=second_lead, role=GroupMembership.Role.LEAD)
    services.issue_confirm_close(issue=issue, actor=second_lead)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED


def test_a_lead_who_handed_it_off_cannot_confirm_what_a_member_proposed(world):
    issue = world.hand_off(actor=world.group_lead)
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实")
    with pytest.raises(IssuePermissionDenied) as caught:
        services.issue_confirm_close(issue=issue, actor=world.group_lead)
    assert "该问题是您交办的，不能由您确认销号" in str(caught.value)
    services.issue_confirm_close(issue=issue, actor=world.leader)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED


def test_the_lead_sends_a_proposal_back_with_a_reason(world, issue):
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实")
    with pytest.raises(IssueInvalidInput):
        services.issue_reject_close(issue=issue, actor=world.group_lead, note=" ")
    services.issue_reject_close(issue=issue, actor=world.group_lead, note="未见回头看照片")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SUBMITTED and issue.close_proposed_by is None
    assert "inspector" in _recipients(NotificationKind.ISSUE_RETURNED, issue)


def test_a_proposal_needs_an_opinion(world, issue):
    _submitted(world, issue)
    with pytest.raises(IssueInvalidInput) as caught:
        services.issue_propose_close(issue=issue, actor=world.inspector, note="")
    assert caught.value.field == "note" and "核验意见" in str(caught.value)


# --- evidence review ----------------------------------------------------------------------


def test_every_evidence_file_is_reviewed_before_a_proposal(world, issue):
    _submitted(world, issue, files=[png_upload("现场.png"), pdf_upload("报告.pdf")])
    photo, report = issue.updates.get(percent=80).evidence.order_by("id")
    with pytest.raises(IssueTransitionNotAllowed) as caught:
        services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实")
    assert "还有 2 份佐证材料未审核" in str(caught.value) and "现场.png" in str(caught.value)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SUBMITTED
    services.evidence_review(issue=issue, actor=world.inspector, evidence_id=photo.pk, verdict="accepted")
    issue.refresh_from_db()
    with pytest.raises(IssueInvalidInput) as caught:  # 不足 says what is missing
        services.evidence_review(issue=issue, actor=world.inspector, evidence_id=report.pk, verdict="insufficient")
    assert caught.value.field == "note"
    services.evidence_review(
        issue=issue, actor=world.inspector, evidence_id=report.pk, verdict="insufficient", note="缺少盖章页"
    )
    issue.refresh_from_db()
    with pytest.raises(IssueTransitionNotAllowed) as caught:
        services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实")
    assert "不足" in str(caught.value) and "报告.pdf" in str(caught.value)
    services.evidence_review(issue=issue, actor=world.group_lead, evidence_id=report.pk, verdict="accepted")
    issue.refresh_from_db()
    services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实")
    # The history stays: the 不足 and the later 已审 of the report.
    assert list(EvidenceReview.objects.filter(evidence=report).values_list("verdict", flat=True)) == [
        "insufficient",
        "accepted",
    ]
    reviews = issue.events.filter(action=IssueEvent.Action.REVIEW_EVIDENCE)
    assert reviews.count() == 3 and reviews.first().data["files"] == ["现场.png"]


@pytest.mark.parametrize("who", ["lead_liaison", "assisting_liaison", "leader", "other_inspector"])
def test_only_inspectors_of_the_group_review_evidence(world, issue, who):
    _submitted(world, issue, files=[png_upload()])
    evidence = issue.updates.get(percent=80).evidence.get()
    with pytest.raises(IssuePermissionDenied) as caught:
        services.evidence_review(issue=issue, actor=getattr(world, who), evidence_id=evidence.pk, verdict="accepted")
    assert "您无权审核佐证材料" in str(caught.value)
    assert not EvidenceReview.objects.exists()


def test_a_file_of_another_issue_cannot_be_reviewed_here(world, issue):
    other = _submitted(world, world.hand_off(title="另一问题"), files=[png_upload()])
    _submitted(world, issue)
    theirs = other.updates.get(percent=80).evidence.get()
    with pytest.raises(IssueInvalidInput) as caught:
        services.evidence_review(issue=issue, actor=world.inspector, evidence_id=theirs.pk, verdict="accepted")
    assert caught.value.field == "evidence_id"


# --- submission rules ---------------------------------------------------------------------


def test_no_submission_while_an_extension_is_pending(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.extension_request_create(
        issue=issue,
        actor=world.lead_liaison,
        requested_deadline=issue.rectification_deadline + dt.timedelta(days=10),
        reason="需省级批复",
    )
    issue.refresh_from_db()
    with pytest.raises(IssueTransitionNotAllowed) as caught:
        services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改")
    assert str(caught.value) == "该问题的延期申请尚待审批，审批后才能提交核验。"
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS and not issue.events.filter(action="submit").exists()
    services.extension_request_decide(issue=issue, actor=world.group_lead, approve=False, note="理由不充分")
    issue.refresh_from_db()
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SUBMITTED


def test_a_submission_is_the_final_progress_report_at_100_percent(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="进行中", percent=50)
    with pytest.raises(IssueInvalidInput) as caught:
        services.issue_submit(issue=issue, actor=world.lead_liaison, note="  ")
    assert caught.value.field == "note"
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="围挡全部拆除，道路恢复通行")
    issue.refresh_from_db()
    assert issue.progress_percent == 100
    final = ProgressUpdate.objects.filter(issue=issue).latest("id")
    assert (final.text, final.percent, final.author) == ("围挡全部拆除，道路恢复通行", 100, world.lead_liaison)


def test_submissions_and_extension_requests_reach_the_lead_and_the_handing_inspector(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.extension_request_create(
        issue=issue,
        actor=world.lead_liaison,
        requested_deadline=issue.rectification_deadline + dt.timedelta(days=10),
        reason="需省级批复",
    )
    assert _recipients(NotificationKind.EXTENSION_REQUESTED, issue) == {"grouplead", "inspector"}
    issue.refresh_from_db()
    services.extension_request_decide(issue=issue, actor=world.group_lead, approve=True)
    issue.refresh_from_db()
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改")
    assert _recipients(NotificationKind.ISSUE_SUBMITTED, issue) == {"grouplead", "inspector"}


# --- closing and withdrawing settle what is pending; nothing written afterwards -------------


def test_withdrawing_lapses_a_pending_extension_with_an_event(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    extension = services.extension_request_create(
        issue=issue,
        actor=world.lead_liaison,
        requested_deadline=issue.rectification_deadline + dt.timedelta(days=10),
        reason="需省级批复",
    )
    issue.refresh_from_db()
    services.issue_withdraw(issue=issue, actor=world.inspector, reason="交办有误")
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.LAPSED and extension.decided_at is not None
    lapse = issue.events.get(action=IssueEvent.Action.EXTENSION_LAPSE)
    assert lapse.data["extension_id"] == extension.pk and "已撤销" in lapse.note


@pytest.mark.parametrize("status", [IssueStatus.CLOSED, IssueStatus.WITHDRAWN])
def test_nothing_is_written_on_a_finished_issue(world, issue, status):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    if status == IssueStatus.CLOSED:
        services.issue_submit(issue=issue, actor=world.lead_liaison, note="完成")
        services.issue_propose_close(issue=issue, actor=world.inspector, note="属实")
        services.issue_confirm_close(issue=issue, actor=world.group_lead)
    else:
        services.issue_withdraw(issue=issue, actor=world.inspector, reason="重复")
    issue.refresh_from_db()
    events = issue.events.count()
    attempts = [
        lambda: services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="补报", percent=10),
        lambda: services.issue_progress_add(issue=issue, actor=world.assisting_liaison, text="协办补充"),
        lambda: services.extension_request_create(
            issue=issue,
            actor=world.lead_liaison,
            requested_deadline=issue.rectification_deadline + dt.timedelta(days=3),
            reason="再延",
        ),
        lambda: services.instruction_create(issue=issue, actor=world.leader, text="继续跟踪"),
    ]
    for attempt in attempts:
        with pytest.raises(IssueTransitionNotAllowed) as caught:
            attempt()
        assert issue.get_status_display() in str(caught.value)
    assert issue.events.count() == events


def test_a_stale_copy_cannot_write_progress_after_a_withdrawal(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    stale = type(issue).objects.get(pk=issue.pk)  # the liaison's page, read before the withdrawal
    services.issue_withdraw(issue=issue, actor=world.inspector, reason="交办有误")
    from issues.errors import IssueConflict

    with pytest.raises(IssueConflict):
        services.issue_progress_add(issue=stale, actor=world.lead_liaison, text="迟到的进展", percent=40)
    assert not ProgressUpdate.objects.filter(issue=issue).exists()


# --- reopening ----------------------------------------------------------------------------


def test_reopen_brings_a_closed_issue_back_with_fresh_deadlines(world, issue, today):
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="属实")
    services.issue_confirm_close(issue=issue, actor=world.group_lead)
    issue.refresh_from_db()
    with pytest.raises(IssueInvalidInput):
        services.issue_reopen(issue=issue, actor=world.inspector, note="")
    services.issue_reopen(issue=issue, actor=world.inspector, note="回头看发现围挡又被占用")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS
    assert issue.closed_at is None and issue.submitted_at is None and issue.close_proposed_by is None
    assert issue.rectification_deadline == add_working_days(today, services.DEFAULT_RECTIFICATION_WORKING_DAYS)
    assert issue.return_count == 1  # counts as rework
    event = issue.events.get(action=IssueEvent.Action.REOPEN)
    assert (event.actor, event.from_status, event.to_status) == (world.inspector, "closed", "in_progress")
    assert event.data["rectification_deadline"] == issue.rectification_deadline.isoformat()
    assert "lead_liaison" in _recipients(NotificationKind.ISSUE_RETURNED, issue)


def test_reopen_refuses_a_deadline_in_the_past(world, issue, today):
    _submitted(world, issue)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="属实")
    with pytest.raises(IssueInvalidInput) as caught:
        services.issue_reopen(
            issue=issue, actor=world.group_lead, note="反弹", rectification_deadline=today - dt.timedelta(days=1)
        )
    assert caught.value.field == "rectification_deadline"
