"""Every write to an issue. The only place where an issue's status changes.

Each function checks the actor and the status against the workflow table (issues.workflow through
issues.rules.check), then passes the guard of every write (_compare_and_set): ONE UPDATE that
succeeds only while the issue is in the status the caller saw (and at the version the client
sent, when it sent one) — progress, notes, evidence reviews, extension requests and instructions
included, so nothing is written on an issue a concurrent transition has just closed or withdrawn.
A concurrent change raises IssueConflict, never a lost update. Each write records an IssueEvent
and queues its notifications after commit. All functions are keyword-only and raise
IssueWorkflowError (a core.errors.ServiceError) carrying a message in the user's language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from accounts.selectors import department_liaisons
from core.db import unique_violation_as
from core.files import CheckedUpload, check_uploads
from core.i18n import system_language
from core.workdays import add_working_days
from inspections.models import Finding, SiteVisit
from issues.errors import IssueConflict, IssueInvalidInput, IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import (
    RECHECK_FAILED_RESULTS,
    EvidenceFile,
    EvidenceReview,
    ExtensionRequest,
    Instruction,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueRecheck,
    IssueSeverity,
    IssueStatus,
    ProgressUpdate,
    RecheckPhoto,
    RecheckResult,
)
from issues.rules import actor_may, check, check_hand_off
from issues.selectors import issue_changes_since
from issues.workflow import IssueAction, Step, step_for
from notifications.models import NotificationKind
from notifications.services import Target, notify
from projects.models import Project, SupervisionGroup
from projects.selectors import group_leads_of_project, user_can_inspect_project

DEFAULT_SIGN_WORKING_DAYS = 2
DEFAULT_RECTIFICATION_WORKING_DAYS = 20


# --- helpers -------------------------------------------------------------------------------


def _required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise IssueInvalidInput(message, field=field)
    return text


def _compare_and_set(
    *,
    issue: Issue,
    step: Step,
    expected_version: int | None,
    updates: dict[str, Any] | None = None,
) -> str:
    """The guard of every write to an issue: ONE UPDATE that succeeds only if the issue is still in
    the status the caller saw (and at the version the client sent, when it sent one). It moves the
    status to the step's target (or keeps it), counts the version up, and holds the row until the
    transaction ends, so no write lands on an issue a concurrent transition has just moved on.
    Zero rows = someone was faster: IssueConflict with what changed since. Returns the old status."""
    from_status = issue.status
    guard = {"pk": issue.pk, "status": from_status}
    if expected_version is not None:
        guard["version"] = expected_version
    changed = Issue.objects.filter(**guard).update(
        status=step.target or from_status, version=F("version") + 1, updated_at=timezone.now(), **(updates or {})
    )
    if changed != 1:
        current = Issue.objects.filter(pk=issue.pk).first()
        status_label = current.get_status_display() if current else "—"
        since = issue.version if expected_version is None else expected_version
        raise IssueConflict(status=status_label, changes=issue_changes_since(issue_id=issue.pk, version=since))
    issue.refresh_from_db()
    return from_status


def _last_reported_percent(issue: Issue) -> int:
    """The bar of an issue sent back to 整改中 (退回重办, 重新整改): the last percent the lead
    department reported short of 100 (0 before any). Its claim of completion, the 100 % and the
    submission or closure that set it, is what the inspector refused, so it no longer stands."""
    last = (
        ProgressUpdate.objects.filter(issue=issue, percent__lt=100)
        .order_by("-created_at", "-pk")
        .values_list("percent", flat=True)
        .first()
    )
    return last or 0


def _lock(issue: Issue) -> None:
    """Hold the issue's row until the transaction ends, before checking what other rows say about
    it (a pending extension, the evidence verdicts): every write to those rows first passes the
    guard on this row, so what was checked cannot change before the commit."""
    list(Issue.objects.select_for_update().filter(pk=issue.pk).values_list("pk", flat=True))


def _event(
    *, issue: Issue, actor: User, action: str, from_status: str = "", to_status: str = "", note: str = "", **data: Any
) -> IssueEvent:
    # The issue's version after this change lets a stale writer be told what happened since.
    return IssueEvent.objects.create(
        issue=issue,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data={"version": issue.version, **data},
    )


def _issue_target(issue: Issue) -> Target:
    return Target(type="issue", id=issue.pk, url=reverse("issues:detail", args=[issue.pk]))


def _notify_lead_department(
    issue: Issue, *, kind: NotificationKind, event: IssueEvent, title: str, body: str = ""
) -> None:
    notify(
        kind=kind,
        target=_issue_target(issue),
        recipients=department_liaisons(department_ids=[issue.lead_department_id]),
        period=f"event-{event.pk}",
        title=title,
        body=body,
    )


def _notify_inspector(issue: Issue, *, kind: NotificationKind, event: IssueEvent, title: str, body: str = "") -> None:
    notify(
        kind=kind,
        target=_issue_target(issue),
        recipients=[issue.handed_off_by],
        period=f"event-{event.pk}",
        title=title,
        body=body,
    )


def _notify_group_leads_and_inspector(
    issue: Issue, *, kind: NotificationKind, event: IssueEvent, title: str, body: str = ""
) -> None:
    """The work of the group lead(s) of the issue's group(s) — a submission to verify, an extension
    to decide — with the inspector who handed the issue off kept informed."""
    recipients = {user.pk: user for user in group_leads_of_project(project_id=issue.project_id)}
    recipients.setdefault(issue.handed_off_by_id, issue.handed_off_by)
    notify(
        kind=kind,
        target=_issue_target(issue),
        recipients=list(recipients.values()),
        period=f"event-{event.pk}",
        title=title,
        body=body,
    )


def _lapse_pending_extensions(*, issue: Issue, actor: User) -> None:
    """Closing or withdrawing settles what was still pending: a request nobody decided lapses,
    with its event, so nothing stays pending on a finished issue."""
    pending = list(ExtensionRequest.objects.filter(issue=issue, status=ExtensionRequest.Status.PENDING))
    for extension in pending:
        ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionRequest.Status.PENDING).update(
            status=ExtensionRequest.Status.LAPSED, decided_by=actor, decided_at=timezone.now()
        )
        with system_language():  # stored text: read later, by others
            note = _("问题已%(status)s，延期申请不再审批。") % {"status": issue.get_status_display()}
        _event(
            issue=issue,
            actor=actor,
            action=IssueEvent.Action.EXTENSION_LAPSE,
            note=note,
            extension_id=extension.pk,
            requested_deadline=extension.requested_deadline.isoformat(),
        )


def _save_evidence(
    *, update: ProgressUpdate, checked: list[tuple[object, CheckedUpload]], actor: User
) -> list[EvidenceFile]:
    saved = []
    for uploaded, info in checked:
        evidence = EvidenceFile(update=update, uploaded_by=actor)
        evidence.store(uploaded=uploaded, checked=info, prefix="evidence")
        saved.append(evidence)
    return saved


def _reporting_department_id(actor: User) -> int:
    """The department an update is reported for. The rules let only liaisons of the lead or an
    assisting department report, and they have one; a user without one is refused."""
    if actor.department_id is None:
        raise IssuePermissionDenied()
    return actor.department_id


def validate_uploads(files: Sequence[UploadedFile[Any]]) -> list[tuple[object, CheckedUpload]]:
    """Check every file before anything is written, so one bad file leaves nothing half-saved.
    Returns (upload, CheckedUpload) pairs for _save_evidence."""
    try:
        return check_uploads(files)
    except ValidationError as error:
        raise IssueInvalidInput("；".join(error.messages), field="files") from None


# --- hand-off -----------------------------------------------------------------------------


def proposed_deadlines(
    *,
    start: dt.date,
    sign_working_days: int = DEFAULT_SIGN_WORKING_DAYS,
    rectification_working_days: int = DEFAULT_RECTIFICATION_WORKING_DAYS,
) -> tuple[dt.date, dt.date]:
    return add_working_days(start, sign_working_days), add_working_days(start, rectification_working_days)


@transaction.atomic
def issue_hand_off(
    *,
    actor: User,
    project: Project,
    title: str,
    description: str,
    category: str,
    lead_department: Department,
    severity: str = IssueSeverity.GENERAL,
    assisting_departments: Iterable[Department] = (),
    sign_deadline: dt.date | None = None,
    rectification_deadline: dt.date | None = None,
    source_visit: SiteVisit | None = None,
    source_finding: Finding | None = None,
) -> Issue:
    """Hand an issue off point-to-point to ONE lead department. Deadlines default to working days
    from today (Chinese holidays counted). The lead department's liaisons are notified."""
    check_hand_off(user=actor, project_id=project.pk)
    title = _required_text(title, field="title", message=_("请填写问题标题。"))
    description = _required_text(description, field="description", message=_("请填写问题描述。"))
    if category not in IssueCategory.values:
        raise IssueInvalidInput(_("请选择有效的问题类别。"), field="category")
    if severity not in IssueSeverity.values:
        raise IssueInvalidInput(_("请选择有效的严重程度。"), field="severity")
    if not lead_department.rectifies:
        raise IssueInvalidInput(
            _("责任单位须为在用的市直部门或县区政府（纪检监察机构不承担整改）。"), field="lead_department"
        )
    requested_assisting = list(assisting_departments)
    if any(not dept.rectifies for dept in requested_assisting):
        raise IssueInvalidInput(
            _("协办单位须为在用的市直部门或县区政府（纪检监察机构不承担整改）。"), field="assisting_departments"
        )
    assisting = [dept for dept in requested_assisting if dept.pk != lead_department.pk]
    if len(assisting) != len(requested_assisting):
        raise IssueInvalidInput(_("责任单位不能同时作为协办单位。"), field="assisting_departments")
    today = timezone.localdate()
    if sign_deadline is None or rectification_deadline is None:  # a working-day count costs a query
        default_sign, default_rectification = proposed_deadlines(start=today)
        sign_deadline = sign_deadline or default_sign
        rectification_deadline = rectification_deadline or default_rectification
    if sign_deadline < today:
        raise IssueInvalidInput(_("签收时限不能早于今天。"), field="sign_deadline")
    if rectification_deadline < sign_deadline:
        raise IssueInvalidInput(_("整改时限不能早于签收时限。"), field="rectification_deadline")
    if source_finding is not None:
        if source_visit is None:
            source_visit = source_finding.visit
        if source_finding.visit_id != source_visit.pk:
            raise IssueInvalidInput(_("问题来源的检查发现与检查记录不一致。"), field="source_finding")
        if Issue.objects.filter(source_finding=source_finding).exists():
            raise IssueInvalidInput(_("该检查发现已经交办过问题。"), field="source_finding")
    if source_visit is not None and source_visit.project_id != project.pk:
        raise IssueInvalidInput(_("来源检查记录不属于该项目。"), field="source_visit")

    # The check above and a concurrent hand-off of the same finding can both pass: the unique
    # source_finding decides, and the one that lost is told so (409 in the API), not a 500.
    with unique_violation_as(
        lambda: IssueConflict(_("该检查发现刚刚已由他人交办为问题，请勿重复交办，请刷新后查看。"))
    ):
        issue = Issue.objects.create(
            code=f"tmp-{uuid.uuid4().hex[:20]}",
            project=project,
            title=title,
            description=description,
            category=category,
            severity=severity,
            lead_department=lead_department,
            handed_off_by=actor,
            handed_off_at=timezone.now(),
            sign_deadline=sign_deadline,
            rectification_deadline=rectification_deadline,
            source_visit=source_visit,
            source_finding=source_finding,
        )
    # The public number comes from the row id: unique without a counter table or a race.
    issue.code = f"DD{today:%Y}-{issue.pk:05d}"
    issue.save(update_fields=["code"])
    issue.assisting_departments.set(assisting)
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.HAND_OFF,
        to_status=IssueStatus.HANDED_OFF,
        note=description[:500],
        lead_department=lead_department.name,
        assisting_departments=[dept.name for dept in assisting],
        sign_deadline=sign_deadline.isoformat(),
        rectification_deadline=rectification_deadline.isoformat(),
    )
    with system_language():  # stored text: read later, by others
        _notify_lead_department(
            issue,
            kind=NotificationKind.ISSUE_HANDED_OFF,
            event=event,
            title=_("新交办问题 %(code)s：%(title)s") % {"code": issue.code, "title": issue.title},
            body=_("请于%(sign)s前签收，%(deadline)s前完成整改。")
            % {"sign": f"{sign_deadline:%Y-%m-%d}", "deadline": f"{rectification_deadline:%Y-%m-%d}"},
        )
    if assisting:
        with system_language():  # stored text: read later, by others
            notify(
                kind=NotificationKind.ISSUE_HANDED_OFF,
                target=_issue_target(issue),
                recipients=department_liaisons(department_ids=[dept.pk for dept in assisting]),
                period=f"event-{event.pk}",
                title=_("协办问题 %(code)s：%(title)s") % {"code": issue.code, "title": issue.title},
            )
    return issue


@transaction.atomic
def issue_edit(
    *,
    issue: Issue,
    actor: User,
    expected_version: int,
    title: str,
    description: str,
    category: str,
    severity: str,
    sign_deadline: dt.date,
    rectification_deadline: dt.date,
) -> Issue:
    """An inspector corrects a hand-off before it is signed for. A stale version is a conflict.
    A deadline moved is refused in the past, as at hand-off; one left as it was may have passed."""
    step = check(IssueAction.EDIT, user=actor, issue=issue)
    title = _required_text(title, field="title", message=_("请填写问题标题。"))
    description = _required_text(description, field="description", message=_("请填写问题描述。"))
    today = timezone.localdate()
    if sign_deadline != issue.sign_deadline and sign_deadline < today:
        raise IssueInvalidInput(_("签收时限不能早于今天。"), field="sign_deadline")
    if rectification_deadline != issue.rectification_deadline and rectification_deadline < today:
        raise IssueInvalidInput(_("整改时限不能早于今天。"), field="rectification_deadline")
    if rectification_deadline < sign_deadline:
        raise IssueInvalidInput(_("整改时限不能早于签收时限。"), field="rectification_deadline")
    before = {
        "title": issue.title,
        "description": issue.description,
        "category": issue.category,
        "severity": issue.severity,
        "sign_deadline": issue.sign_deadline.isoformat(),
        "rectification_deadline": issue.rectification_deadline.isoformat(),
    }
    after = {
        "title": title,
        "description": description,
        "category": category,
        "severity": severity,
        "sign_deadline": sign_deadline.isoformat(),
        "rectification_deadline": rectification_deadline.isoformat(),
    }
    _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={
            "title": title,
            "description": description,
            "category": category,
            "severity": severity,
            "sign_deadline": sign_deadline,
            "rectification_deadline": rectification_deadline,
        },
    )
    changed = {key: {"from": before[key], "to": after[key]} for key in before if before[key] != after[key]}
    _event(issue=issue, actor=actor, action=IssueEvent.Action.EDIT, changes=changed)
    return issue


# --- department side ----------------------------------------------------------------------


@transaction.atomic
def issue_sign(*, issue: Issue, actor: User, note: str = "", expected_version: int | None = None) -> Issue:
    """签收: the lead department takes the issue on; it moves to 整改中."""
    step = check(IssueAction.SIGN, user=actor, issue=issue)
    from_status = _compare_and_set(
        issue=issue, step=step, expected_version=expected_version, updates={"signed_at": timezone.now()}
    )
    _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.SIGN,
        from_status=from_status,
        to_status=issue.status,
        note=note.strip(),
    )
    return issue


@transaction.atomic
def issue_progress_add(
    *,
    issue: Issue,
    actor: User,
    text: str,
    percent: int | None = None,
    files: Sequence[UploadedFile[Any]] = (),
    expected_version: int | None = None,
) -> ProgressUpdate:
    """整改进展 with evidence from the lead department, or a note from an assisting department.
    Files are all checked before anything is saved; the write is guarded like a transition (an
    issue withdrawn or submitted meanwhile refuses it)."""
    lead = actor_may(IssueAction.PROGRESS, actor, issue)
    action = IssueAction.PROGRESS if lead else IssueAction.NOTE
    step = check(action, user=actor, issue=issue)
    text = _required_text(text, field="text", message=_("请填写进展情况。"))
    if percent is not None and not 0 <= percent <= 100:
        raise IssueInvalidInput(_("完成进度应在 0 到 100 之间。"), field="percent")
    if not lead:
        percent = None  # only the lead department reports the overall percent
    checked = validate_uploads(files)
    _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={} if percent is None else {"progress_percent": percent},
    )
    update = ProgressUpdate.objects.create(
        issue=issue, author=actor, department_id=_reporting_department_id(actor), text=text, percent=percent
    )
    evidence = _save_evidence(update=update, checked=checked, actor=actor)
    _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.PROGRESS if lead else IssueEvent.Action.NOTE,
        note=text[:500],
        update_id=update.pk,
        percent=percent,
        files=[item.original_name for item in evidence],
    )
    return update


@transaction.atomic
def issue_submit(*, issue: Issue, actor: User, note: str, expected_version: int | None = None) -> Issue:
    """提交核验: the lead department says the rectification is done. The note is its final progress
    report (saved as one, at 100 %); refused while an extension request waits for a decision. The
    group lead(s) and the handing inspector are notified; an inspector of the group verifies next."""
    step = check(IssueAction.SUBMIT, user=actor, issue=issue)
    note = _required_text(note, field="note", message=_("请填写整改完成情况（最终整改进展）。"))
    _lock(issue)  # a request made meanwhile is committed (and seen below) or waits for this one
    if ExtensionRequest.objects.filter(issue=issue, status=ExtensionRequest.Status.PENDING).exists():
        raise IssueTransitionNotAllowed(_("该问题的延期申请尚待审批，审批后才能提交核验。"))
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={"submitted_at": timezone.now(), "progress_percent": 100},
    )
    update = ProgressUpdate.objects.create(
        issue=issue, author=actor, department_id=_reporting_department_id(actor), text=note, percent=100
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.SUBMIT,
        from_status=from_status,
        to_status=issue.status,
        note=note,
        update_id=update.pk,
        percent=100,
    )
    with system_language():  # stored text: read later, by others
        _notify_group_leads_and_inspector(
            issue,
            kind=NotificationKind.ISSUE_SUBMITTED,
            event=event,
            title=_("问题 %(code)s 已提交核验：%(title)s") % {"code": issue.code, "title": issue.title},
            body=note,
        )
    return issue


@transaction.atomic
def extension_request_create(
    *, issue: Issue, actor: User, requested_deadline: dt.date, reason: str, expected_version: int | None = None
) -> ExtensionRequest:
    """申请延期: one pending request per issue; the new date must be later than the current one. The
    group lead(s), who decide it, and the handing inspector are notified."""
    step = check(IssueAction.EXTENSION_REQUEST, user=actor, issue=issue)
    reason = _required_text(reason, field="reason", message=_("请填写延期理由。"))
    if requested_deadline <= issue.rectification_deadline:
        raise IssueInvalidInput(
            _("申请延至的日期必须晚于当前整改时限（%(deadline)s）。"),
            field="requested_deadline",
            deadline=f"{issue.rectification_deadline:%Y-%m-%d}",
        )
    _compare_and_set(issue=issue, step=step, expected_version=expected_version)
    with unique_violation_as(lambda: IssueTransitionNotAllowed(_("该问题已有待审批的延期申请。"))):
        extension = ExtensionRequest.objects.create(
            issue=issue,
            requested_by=actor,
            reason=reason,
            current_deadline=issue.rectification_deadline,
            requested_deadline=requested_deadline,
        )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.EXTENSION_REQUEST,
        note=reason,
        extension_id=extension.pk,
        requested_deadline=requested_deadline.isoformat(),
    )
    with system_language():  # stored text: read later, by others
        _notify_group_leads_and_inspector(
            issue,
            kind=NotificationKind.EXTENSION_REQUESTED,
            event=event,
            title=_("问题 %(code)s 申请延期至 %(date)s")
            % {"code": issue.code, "date": f"{requested_deadline:%Y-%m-%d}"},
            body=reason,
        )
    return extension


@transaction.atomic
def extension_request_decide(
    *,
    issue: Issue,
    actor: User,
    approve: bool,
    note: str = "",
    extension_id: int | None = None,
    expected_version: int | None = None,
) -> ExtensionRequest:
    """同意/不同意延期 of the issue's request `extension_id`, or of its pending one when no id is
    given (the API allows that: an issue has at most one pending request). Approval moves the
    rectification deadline (compare-and-set on the issue)."""
    step = check(IssueAction.EXTENSION_DECIDE, user=actor, issue=issue)
    requests = ExtensionRequest.objects.filter(issue=issue)
    if extension_id is not None:
        extension = requests.filter(pk=extension_id).first()
        if extension is None:
            raise IssueInvalidInput(_("该问题没有这条延期申请。"), field="extension_id")
    else:
        extension = requests.filter(status=ExtensionRequest.Status.PENDING).order_by("created_at").first()
        if extension is None:
            raise IssueInvalidInput(_("没有找到待审批的延期申请。"), field="extension_id")
    note = note.strip()
    if not approve and not note:
        raise IssueInvalidInput(_("不同意延期时请填写理由。"), field="note")
    new_status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.DENIED
    _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={"rectification_deadline": extension.requested_deadline} if approve else {},
    )
    decided = ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionRequest.Status.PENDING).update(
        status=new_status, decided_by=actor, decided_at=timezone.now(), decision_note=note
    )
    if decided != 1:
        raise IssueConflict(_("该延期申请已被他人处理，请刷新后查看。"))
    extension.refresh_from_db()
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.EXTENSION_APPROVE if approve else IssueEvent.Action.EXTENSION_DENY,
        note=note,
        extension_id=extension.pk,
        previous_deadline=extension.current_deadline.isoformat(),
        requested_deadline=extension.requested_deadline.isoformat(),
    )
    with system_language():  # stored text: read later, by others
        verdict = _("同意") if approve else _("不同意")
        _notify_lead_department(
            issue,
            kind=NotificationKind.EXTENSION_DECIDED,
            event=event,
            title=_("问题 %(code)s 延期申请：%(verdict)s") % {"code": issue.code, "verdict": verdict},
            body=note,
        )
    return extension


# --- inspector side: verification (核验), 销号 by two people, reopening -----------------------


@transaction.atomic
def evidence_review(
    *,
    issue: Issue,
    actor: User,
    evidence_id: int,
    verdict: str,
    note: str = "",
    expected_version: int | None = None,
) -> EvidenceReview:
    """An inspector marks one evidence file of a submitted issue 已审 or 不足 (a note required for
    不足). Earlier verdicts stay as the file's history; the latest one counts."""
    step = check(IssueAction.REVIEW_EVIDENCE, user=actor, issue=issue)
    evidence = EvidenceFile.objects.filter(pk=evidence_id, update__issue=issue).first()
    if evidence is None:
        raise IssueInvalidInput(_("该问题没有这份佐证材料。"), field="evidence_id")
    if verdict not in EvidenceReview.Verdict.values:
        raise IssueInvalidInput(_("请选择审核结论：已审或不足。"), field="verdict")
    note = (note or "").strip()
    if verdict == EvidenceReview.Verdict.INSUFFICIENT and not note:
        raise IssueInvalidInput(_("标记为“不足”时请写明缺什么。"), field="note")
    _compare_and_set(issue=issue, step=step, expected_version=expected_version)
    review = EvidenceReview.objects.create(evidence=evidence, reviewer=actor, verdict=verdict, note=note)
    _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.REVIEW_EVIDENCE,
        note=note,
        evidence_id=evidence.pk,
        verdict=verdict,
        files=[evidence.original_name],
    )
    return review


def evidence_unreviewed(*, issue: Issue) -> tuple[list[EvidenceFile], list[EvidenceFile]]:
    """(files without a verdict, files whose latest verdict is 不足) among the issue's evidence."""
    latest = {}
    reviews = EvidenceReview.objects.filter(evidence__update__issue=issue).order_by("created_at", "id")
    for evidence_id, verdict in reviews.values_list("evidence_id", "verdict"):
        latest[evidence_id] = verdict
    files = list(EvidenceFile.objects.filter(update__issue=issue).order_by("uploaded_at", "id"))
    unreviewed = [item for item in files if item.pk not in latest]
    insufficient = [item for item in files if latest.get(item.pk) == EvidenceReview.Verdict.INSUFFICIENT]
    return unreviewed, insufficient


@transaction.atomic
def issue_propose_close(*, issue: Issue, actor: User, note: str, expected_version: int | None = None) -> Issue:
    """提出销号: an inspector of the group verified the rectification: every evidence file reviewed
    and none found 不足, and his 核验意见 (required). The group lead (or a leader) confirms next."""
    step = check(IssueAction.PROPOSE_CLOSE, user=actor, issue=issue)
    require_recheck_proof(issue=issue)
    note = _required_text(note, field="note", message=_("请填写核验意见。"))
    _lock(issue)  # no verdict can change between this check and the commit
    unreviewed, insufficient = evidence_unreviewed(issue=issue)
    if unreviewed:
        raise IssueTransitionNotAllowed(
            _("还有 %(count)s 份佐证材料未审核（%(names)s），请逐份审核后再提出销号。"),
            count=len(unreviewed),
            names="、".join(item.original_name for item in unreviewed[:5]),
        )
    if insufficient:
        raise IssueTransitionNotAllowed(
            _("有佐证材料被标记为“不足”（%(names)s），不能提出销号：请退回重办。"),
            names="、".join(item.original_name for item in insufficient[:5]),
        )
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={"close_proposed_by": actor, "close_proposed_at": timezone.now(), "verification_opinion": note},
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.PROPOSE_CLOSE,
        from_status=from_status,
        to_status=issue.status,
        note=note,
    )
    with system_language():  # stored text: read later, by others
        _notify_group_leads_and_inspector(
            issue,
            kind=NotificationKind.ISSUE_SUBMITTED,
            event=event,
            title=_("问题 %(code)s 待确认销号：%(title)s") % {"code": issue.code, "title": issue.title},
            body=note,
        )
    return issue


@transaction.atomic
def issue_confirm_close(*, issue: Issue, actor: User, note: str = "", expected_version: int | None = None) -> Issue:
    """确认销号: the group lead of the issue's group (or a leader) confirms an inspector's proposal;
    never the proposer himself nor the one who handed the issue off. The issue is closed at 100 %;
    a request for extension still pending lapses."""
    step = check(IssueAction.CONFIRM_CLOSE, user=actor, issue=issue)
    require_recheck_proof(issue=issue)
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={"closed_at": timezone.now(), "progress_percent": 100},
    )
    _lapse_pending_extensions(issue=issue, actor=actor)
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.CLOSE,
        from_status=from_status,
        to_status=issue.status,
        note=note.strip(),
        proposed_by=issue.close_proposed_by_id,
    )
    with system_language():  # stored text: read later, by others
        title = _("问题 %(code)s 已核验销号") % {"code": issue.code}
        _notify_lead_department(issue, kind=NotificationKind.ISSUE_CLOSED, event=event, title=title, body=note)
        _notify_inspector(issue, kind=NotificationKind.ISSUE_CLOSED, event=event, title=title, body=note)
    return issue


@transaction.atomic
def issue_reject_close(*, issue: Issue, actor: User, note: str, expected_version: int | None = None) -> Issue:
    """退回核验: the group lead (or a leader) does not confirm the proposed 销号; the issue goes back to
    待核验 with his reason, for the inspectors to verify again (or return it for rework)."""
    step = check(IssueAction.REJECT_CLOSE, user=actor, issue=issue)
    note = _required_text(note, field="note", message=_("请填写不同意销号的理由。"))
    proposer = issue.close_proposed_by
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        # the opinion is not the issue's any more; its PROPOSE_CLOSE event keeps it
        updates={"close_proposed_by": None, "close_proposed_at": None, "verification_opinion": ""},
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.REJECT_CLOSE,
        from_status=from_status,
        to_status=issue.status,
        note=note,
    )
    with system_language():  # stored text: read later, by others
        notify(
            kind=NotificationKind.ISSUE_RETURNED,
            target=_issue_target(issue),
            recipients=[user for user in (proposer, issue.handed_off_by) if user is not None],
            period=f"event-{event.pk}",
            title=_("问题 %(code)s 的销号建议未获确认") % {"code": issue.code},
            body=note,
        )
    return issue


@transaction.atomic
def issue_return(*, issue: Issue, actor: User, reason: str, expected_version: int | None = None) -> Issue:
    """退回重办: the rectification is not accepted; back to 整改中 with the reason (counts as rework)."""
    step = check(IssueAction.RETURN, user=actor, issue=issue)
    reason = _required_text(reason, field="note", message=_("请填写退回理由。"))
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={
            "return_count": F("return_count") + 1,
            "submitted_at": None,
            "progress_percent": _last_reported_percent(issue),
            "verification_opinion": "",
        },
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.RETURN,
        from_status=from_status,
        to_status=issue.status,
        note=reason,
    )
    with system_language():  # stored text: read later, by others
        _notify_lead_department(
            issue,
            kind=NotificationKind.ISSUE_RETURNED,
            event=event,
            title=_("问题 %(code)s 被退回重办") % {"code": issue.code},
            body=reason,
        )
    return issue


@transaction.atomic
def issue_reopen(
    *,
    issue: Issue,
    actor: User,
    note: str,
    rectification_deadline: dt.date | None = None,
    expected_version: int | None = None,
) -> Issue:
    """重新整改: a closed issue (or one whose 销号 is still to be confirmed) comes back because the
    problem did (a 回头看 found 反弹 or 未整改到位). An inspector of the group or its lead reopens it
    with the reason and a fresh rectification deadline (default: DEFAULT_RECTIFICATION_WORKING_DAYS
    working days from today); it counts as rework, and the lead department is notified."""
    step = check(IssueAction.REOPEN, user=actor, issue=issue)
    note = _required_text(note, field="note", message=_("请填写重新整改的原因。"))
    today = timezone.localdate()
    deadline = rectification_deadline or add_working_days(today, DEFAULT_RECTIFICATION_WORKING_DAYS)
    if deadline <= today:
        raise IssueInvalidInput(_("新的整改时限必须晚于今天。"), field="rectification_deadline")
    previous = issue.rectification_deadline
    from_status = _compare_and_set(
        issue=issue,
        step=step,
        expected_version=expected_version,
        updates={
            "rectification_deadline": deadline,
            "closed_at": None,
            "submitted_at": None,
            "close_proposed_by": None,
            "close_proposed_at": None,
            "return_count": F("return_count") + 1,
            "progress_percent": _last_reported_percent(issue),
            "verification_opinion": "",  # kept by the PROPOSE_CLOSE event; no longer the issue's
        },
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.REOPEN,
        from_status=from_status,
        to_status=issue.status,
        note=note,
        previous_deadline=previous.isoformat(),
        rectification_deadline=deadline.isoformat(),
    )
    with system_language():  # stored text: read later, by others
        _notify_lead_department(
            issue,
            kind=NotificationKind.ISSUE_RETURNED,
            event=event,
            title=_("问题 %(code)s 需重新整改，整改时限 %(deadline)s")
            % {"code": issue.code, "deadline": f"{deadline:%Y-%m-%d}"},
            body=note,
        )
    return issue


@transaction.atomic
def issue_withdraw(*, issue: Issue, actor: User, reason: str, expected_version: int | None = None) -> Issue:
    """撤销 with a reason (e.g. handed off by mistake). Nothing is deleted; a pending extension
    request lapses."""
    step = check(IssueAction.WITHDRAW, user=actor, issue=issue)
    reason = _required_text(reason, field="note", message=_("请填写撤销理由。"))
    from_status = _compare_and_set(
        issue=issue, step=step, expected_version=expected_version, updates={"withdrawn_at": timezone.now()}
    )
    _lapse_pending_extensions(issue=issue, actor=actor)
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.WITHDRAW,
        from_status=from_status,
        to_status=issue.status,
        note=reason,
    )
    with system_language():  # stored text: read later, by others
        _notify_lead_department(
            issue,
            kind=NotificationKind.ISSUE_WITHDRAWN,
            event=event,
            title=_("问题 %(code)s 已撤销") % {"code": issue.code},
            body=reason,
        )
    return issue


# --- leader side --------------------------------------------------------------------------


@transaction.atomic
def instruction_create(*, issue: Issue, actor: User, text: str, expected_version: int | None = None) -> Instruction:
    """领导批示 on an open issue: shown on it and sent to the lead department, the group lead(s) and
    the handing inspector."""
    step = check(IssueAction.INSTRUCT, user=actor, issue=issue)
    text = _required_text(text, field="text", message=_("请填写批示内容。"))
    _compare_and_set(issue=issue, step=step, expected_version=expected_version)
    instruction = Instruction.objects.create(issue=issue, leader=actor, text=text)
    event = _event(
        issue=issue, actor=actor, action=IssueEvent.Action.INSTRUCTION, note=text, instruction_id=instruction.pk
    )
    with system_language():  # stored text: read later, by others
        title = _("领导批示（%(code)s）：%(text)s") % {"code": issue.code, "text": text[:40]}
        _notify_lead_department(issue, kind=NotificationKind.INSTRUCTION, event=event, title=title, body=text)
        _notify_group_leads_and_inspector(issue, kind=NotificationKind.INSTRUCTION, event=event, title=title, body=text)
    return instruction


def issue_act(*, action: IssueAction | str, issue: Issue, actor: User, **arguments: Any) -> object:
    """Take `action` on the issue through the service the workflow table names for it (pages and
    the API take every action through here). Raises IssueWorkflowError like the service does."""
    return globals()[step_for(action).service](issue=issue, actor=actor, **arguments)


# --- 回头看 (re-check visits) ------------------------------------------------------------------

# The severities in rising order; a group requires a 回头看 before 销号 from its threshold on.
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(IssueSeverity.values)}
# Submitted (待核验), proposed for 销号 (待确认销号) or closed (已销号): the department has finished.
RECHECK_STATUSES = (IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED)


def recheck_required(*, issue: Issue) -> bool:
    """Whether 销号 of this issue needs a 回头看: one of its project's active groups requires it
    from the issue's severity on (SupervisionGroup.recheck_required_from, default 较重及以上)."""
    thresholds = SupervisionGroup.objects.filter(projects=issue.project_id, is_active=True).values_list(
        "recheck_required_from", flat=True
    )
    rank = SEVERITY_RANK[issue.severity]
    return any(threshold in SEVERITY_RANK and rank >= SEVERITY_RANK[threshold] for threshold in thresholds)


def recheck_proof_exists(*, issue: Issue) -> bool:
    """A 回头看 of the issue found it 已整改到位 with at least one photo, on a visit dated on or after
    its last submission and recorded after it (a re-check before a reopening proves nothing)."""
    rechecks = IssueRecheck.objects.filter(
        issue=issue, result=RecheckResult.RECTIFIED, photos__content_type__startswith="image/"
    )
    if issue.submitted_at is not None:
        rechecks = rechecks.filter(
            visit__visited_on__gte=timezone.localdate(issue.submitted_at), recorded_at__gte=issue.submitted_at
        )
    return rechecks.exists()


def require_recheck_proof(*, issue: Issue) -> None:
    """销号 of an issue whose groups require a 回头看 is refused until one proves the rectification."""
    if recheck_required(issue=issue) and not recheck_proof_exists(issue=issue):
        raise IssueTransitionNotAllowed(
            _(
                "该问题为“%(severity)s”问题，销号前须进行回头看：提交核验后的回头看记录，结论为“已整改到位”，"
                "并附现场照片。"
            ),
            severity=issue.get_severity_display(),
        )


def recheck_visits_for(*, issue: Issue) -> QuerySet[SiteVisit]:
    """The re-check visits of the issue's project a 回头看 of it may be recorded on, newest first."""
    visits = SiteVisit.objects.filter(project_id=issue.project_id, is_recheck=True, is_archived=False)
    return visits.order_by("-visited_on", "-pk")


@transaction.atomic
def issue_recheck_record(
    *, issue: Issue, actor: User, visit: SiteVisit, result: str, note: str = "", files: Sequence[UploadedFile[Any]] = ()
) -> IssueRecheck:
    """回头看: an inspector of the project records what a re-check visit found for an issue the
    department finished (submitted, proposed for 销号 or closed), with at least one photo.
    已整改到位 is the proof a serious issue's 销号 needs (require_recheck_proof); 反弹 or 未整改到位
    (with what was found) sends the issue back to the department: a closed or proposed one is
    reopened (issue_reopen: fresh working-day deadline, rework), a submitted one is returned."""
    if not user_can_inspect_project(user=actor, project_id=issue.project_id):
        raise IssuePermissionDenied(_("只有本项目的督导人员可以记录回头看。"))
    if issue.status not in RECHECK_STATUSES:
        raise IssueTransitionNotAllowed(
            _("问题当前为“%(status)s”状态，只有已提交核验或已销号的问题才能回头看。"),
            status=issue.get_status_display(),
        )
    if visit.project_id != issue.project_id or visit.is_archived or not visit.is_recheck:
        raise IssueInvalidInput(_("请选择本项目标记为“回头看”的检查记录。"), field="visit")
    if issue.submitted_at is not None and visit.visited_on < timezone.localdate(issue.submitted_at):
        raise IssueInvalidInput(
            _("回头看须在问题提交核验（%(date)s）之后进行，请选择之后的回头看检查记录。"),
            field="visit",
            date=f"{timezone.localdate(issue.submitted_at):%Y-%m-%d}",
        )
    if result not in RecheckResult.values:
        raise IssueInvalidInput(_("请选择回头看结论。"), field="result")
    note = (note or "").strip()
    failed = result in RECHECK_FAILED_RESULTS
    if failed and not note:
        raise IssueInvalidInput(_("请写明未整改到位或反弹的具体情况。"), field="note")
    checked = validate_uploads(files)
    if not any(info.content_type.startswith("image/") for _upload, info in checked):
        raise IssueInvalidInput(_("请上传至少一张回头看现场照片。"), field="files")
    try:
        with transaction.atomic():
            recheck = IssueRecheck.objects.create(issue=issue, visit=visit, result=result, note=note, recorded_by=actor)
    except IntegrityError:
        raise IssueInvalidInput(_("该问题已在这次回头看中记录过结论。"), field="visit") from None
    photos = []
    for uploaded, info in checked:
        photo = RecheckPhoto(recheck=recheck, uploaded_by=actor)
        photo.store(uploaded=uploaded, checked=info, prefix="rechecks")
        photos.append(photo)
    with system_language():  # stored text: the timeline says what the re-check found
        finding = recheck.get_result_display()
        summary = _("%(result)s：%(note)s") % {"result": finding, "note": note} if note else str(finding)
    _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.RECHECK,
        note=summary,
        recheck_id=recheck.pk,
        visit_id=visit.pk,
        visited_on=visit.visited_on.isoformat(),
        result=result,
        files=[photo.original_name for photo in photos],
    )
    if failed:
        with system_language():  # stored text: read later, by others
            reason = _("回头看发现%(result)s：%(note)s") % {"result": recheck.get_result_display(), "note": note}
        if issue.status == IssueStatus.SUBMITTED:
            issue_return(issue=issue, actor=actor, reason=reason)
        else:
            issue_reopen(issue=issue, actor=actor, note=reason)
    return recheck
