"""Every write to an issue. The only place where an issue's status changes.

Each transition: checks the actor's right, compares-and-sets the old status and version in one
UPDATE (a concurrent change raises IssueConflict, never a lost update), writes an IssueEvent, and
queues notifications after commit. All functions are keyword-only and raise IssueWorkflowError
subclasses carrying a message in the user's language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HANDOFF_DEPARTMENT_KINDS, Department, User
from accounts.roles import Role
from core.db import unique_violation_as
from core.files import check_uploads
from core.i18n import system_language
from core.workdays import add_working_days
from inspections.models import Finding, SiteVisit
from issues.errors import IssueConflict, IssueInvalidInput, IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import (
    EvidenceFile,
    ExtensionRequest,
    Instruction,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
    ProgressUpdate,
)
from issues.rules import STATUSES_FOR, IssueAction, actor_may
from issues.selectors import issue_changes_since
from notifications.models import NotificationKind
from notifications.services import Target, notify
from projects.models import Project
from projects.selectors import user_can_inspect_project

DEFAULT_SIGN_WORKING_DAYS = 2
DEFAULT_RECTIFICATION_WORKING_DAYS = 20


# --- helpers -------------------------------------------------------------------------------


def _require(action: IssueAction, *, issue: Issue, actor: User) -> None:
    if not actor_may(action, actor, issue):
        raise IssuePermissionDenied()
    if issue.status not in STATUSES_FOR[action]:
        raise IssueTransitionNotAllowed(
            _("问题当前为“%(status)s”状态，不能%(action)s。"),
            status=issue.get_status_display(),
            action=_action_label(action),
        )


def _action_label(action: IssueAction) -> str:
    labels = {
        IssueAction.SIGN: _("签收"),
        IssueAction.PROGRESS: _("报送进展"),
        IssueAction.NOTE: _("添加协办说明"),
        IssueAction.SUBMIT: _("提交核验"),
        IssueAction.RETURN: _("退回重办"),
        IssueAction.CLOSE: _("销号"),
        IssueAction.WITHDRAW: _("撤销"),
        IssueAction.EXTENSION_REQUEST: _("申请延期"),
        IssueAction.EXTENSION_DECIDE: _("审批延期"),
        IssueAction.INSTRUCT: _("批示"),
        IssueAction.EDIT: _("修改"),
    }
    return labels[action]


def _required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise IssueInvalidInput(message, field=field)
    return text


def _compare_and_set(
    *,
    issue: Issue,
    to_status: str,
    expected_version: int | None,
    updates: dict[str, Any] | None = None,
) -> None:
    """One UPDATE guarded by the status and version the caller saw. Zero rows = someone was faster."""
    version = issue.version if expected_version is None else expected_version
    changed = Issue.objects.filter(pk=issue.pk, status=issue.status, version=version).update(
        status=to_status, version=F("version") + 1, updated_at=timezone.now(), **(updates or {})
    )
    if changed != 1:
        current = Issue.objects.filter(pk=issue.pk).first()
        status_label = current.get_status_display() if current else "—"
        raise IssueConflict(status=status_label, changes=issue_changes_since(issue_id=issue.pk, version=version))
    issue.refresh_from_db()


def _event(
    *, issue: Issue, actor: User, action: str, from_status: str = "", to_status: str = "", note: str = "", **data
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


def department_liaisons(department_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(
            department_id__in=list(department_ids), is_active=True, groups__name=Role.LIAISON
        ).distinct()
    )


def _notify_lead_department(
    issue: Issue, *, kind: NotificationKind, event: IssueEvent, title: str, body: str = ""
) -> None:
    notify(
        kind=kind,
        target=_issue_target(issue),
        recipients=department_liaisons([issue.lead_department_id]),
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


def _save_evidence(*, update: ProgressUpdate, checked: list, actor: User) -> list[EvidenceFile]:
    saved = []
    for uploaded, info in checked:
        evidence = EvidenceFile(update=update, uploaded_by=actor)
        evidence.store(uploaded=uploaded, checked=info, prefix="evidence")
        saved.append(evidence)
    return saved


def validate_uploads(files: Sequence) -> list:
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
    if not user_can_inspect_project(user=actor, project_id=project.pk):
        raise IssuePermissionDenied(_("您不是该项目的督导人员，不能交办问题。"))
    title = _required_text(title, field="title", message=_("请填写问题标题。"))
    description = _required_text(description, field="description", message=_("请填写问题描述。"))
    if category not in IssueCategory.values:
        raise IssueInvalidInput(_("请选择有效的问题类别。"), field="category")
    if severity not in IssueSeverity.values:
        raise IssueInvalidInput(_("请选择有效的严重程度。"), field="severity")
    if lead_department.kind not in HANDOFF_DEPARTMENT_KINDS or not lead_department.is_active:
        raise IssueInvalidInput(_("责任单位必须是在用的职能部门或县区。"), field="lead_department")
    requested_assisting = list(assisting_departments)
    assisting = [dept for dept in requested_assisting if dept.pk != lead_department.pk]
    if len(assisting) != len(requested_assisting):
        raise IssueInvalidInput(_("责任单位不能同时作为协办单位。"), field="assisting_departments")
    today = timezone.localdate()
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
                recipients=department_liaisons(dept.pk for dept in assisting),
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
    _require(IssueAction.EDIT, issue=issue, actor=actor)
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
        to_status=issue.status,
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
    _require(IssueAction.SIGN, issue=issue, actor=actor)
    from_status = issue.status
    _compare_and_set(
        issue=issue,
        to_status=IssueStatus.IN_PROGRESS,
        expected_version=expected_version,
        updates={"signed_at": timezone.now()},
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
    *, issue: Issue, actor: User, text: str, percent: int | None = None, files: Sequence = ()
) -> ProgressUpdate:
    """整改进展 with evidence from the lead department, or a note from an assisting department.
    Files are all checked before anything is saved."""
    lead = actor_may(IssueAction.PROGRESS, actor, issue)
    action = IssueAction.PROGRESS if lead else IssueAction.NOTE
    _require(action, issue=issue, actor=actor)
    text = _required_text(text, field="text", message=_("请填写进展情况。"))
    if percent is not None and not 0 <= percent <= 100:
        raise IssueInvalidInput(_("完成进度应在 0 到 100 之间。"), field="percent")
    if not lead:
        percent = None  # only the lead department reports the overall percent
    checked = validate_uploads(files)
    update = ProgressUpdate.objects.create(
        issue=issue, author=actor, department_id=actor.department_id, text=text, percent=percent
    )
    evidence = _save_evidence(update=update, checked=checked, actor=actor)
    if percent is not None:
        Issue.objects.filter(pk=issue.pk).update(progress_percent=percent, updated_at=timezone.now())
        issue.progress_percent = percent
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
    """提交核验: the lead department says the rectification is done; an inspector verifies next."""
    _require(IssueAction.SUBMIT, issue=issue, actor=actor)
    note = _required_text(note, field="note", message=_("请填写整改完成情况说明。"))
    from_status = issue.status
    _compare_and_set(
        issue=issue,
        to_status=IssueStatus.SUBMITTED,
        expected_version=expected_version,
        updates={"submitted_at": timezone.now()},
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.SUBMIT,
        from_status=from_status,
        to_status=issue.status,
        note=note,
    )
    with system_language():  # stored text: read later, by others
        _notify_inspector(
            issue,
            kind=NotificationKind.ISSUE_SUBMITTED,
            event=event,
            title=_("问题 %(code)s 已提交核验：%(title)s") % {"code": issue.code, "title": issue.title},
            body=note,
        )
    return issue


@transaction.atomic
def extension_request_create(
    *, issue: Issue, actor: User, requested_deadline: dt.date, reason: str
) -> ExtensionRequest:
    """申请延期: one pending request per issue; the new date must be later than the current one."""
    _require(IssueAction.EXTENSION_REQUEST, issue=issue, actor=actor)
    reason = _required_text(reason, field="reason", message=_("请填写延期理由。"))
    if requested_deadline <= issue.rectification_deadline:
        raise IssueInvalidInput(
            _("申请延至的日期必须晚于当前整改时限（%(deadline)s）。"),
            field="requested_deadline",
            deadline=f"{issue.rectification_deadline:%Y-%m-%d}",
        )
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
        _notify_inspector(
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
    *, issue: Issue, actor: User, approve: bool, note: str = "", extension_id: int | None = None
) -> ExtensionRequest:
    """同意/不同意延期 of the issue's request `extension_id`, or of its pending one when no id is
    given (the API allows that: an issue has at most one pending request). Approval moves the
    rectification deadline (compare-and-set on the issue)."""
    _require(IssueAction.EXTENSION_DECIDE, issue=issue, actor=actor)
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
    decided = ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionRequest.Status.PENDING).update(
        status=new_status, decided_by=actor, decided_at=timezone.now(), decision_note=note
    )
    if decided != 1:
        raise IssueConflict(_("该延期申请已被他人处理，请刷新后查看。"))
    extension.refresh_from_db()
    if approve:
        _compare_and_set(
            issue=issue,
            to_status=issue.status,
            expected_version=None,
            updates={"rectification_deadline": extension.requested_deadline},
        )
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


# --- inspector side -----------------------------------------------------------------------


@transaction.atomic
def issue_return(*, issue: Issue, actor: User, reason: str, expected_version: int | None = None) -> Issue:
    """退回重办: the rectification is not accepted; back to 整改中 with the reason."""
    _require(IssueAction.RETURN, issue=issue, actor=actor)
    reason = _required_text(reason, field="note", message=_("请填写退回理由。"))
    from_status = issue.status
    _compare_and_set(
        issue=issue,
        to_status=IssueStatus.IN_PROGRESS,
        expected_version=expected_version,
        updates={"return_count": F("return_count") + 1, "submitted_at": None},
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
def issue_close(*, issue: Issue, actor: User, note: str = "", expected_version: int | None = None) -> Issue:
    """核验销号: the inspector verified the rectification; the issue is closed for good."""
    _require(IssueAction.CLOSE, issue=issue, actor=actor)
    from_status = issue.status
    _compare_and_set(
        issue=issue,
        to_status=IssueStatus.CLOSED,
        expected_version=expected_version,
        updates={"closed_at": timezone.now(), "progress_percent": 100},
    )
    event = _event(
        issue=issue,
        actor=actor,
        action=IssueEvent.Action.CLOSE,
        from_status=from_status,
        to_status=issue.status,
        note=note.strip(),
    )
    with system_language():  # stored text: read later, by others
        _notify_lead_department(
            issue,
            kind=NotificationKind.ISSUE_CLOSED,
            event=event,
            title=_("问题 %(code)s 已核验销号") % {"code": issue.code},
            body=note,
        )
    return issue


@transaction.atomic
def issue_withdraw(*, issue: Issue, actor: User, reason: str, expected_version: int | None = None) -> Issue:
    """撤销 with a reason (e.g. handed off by mistake). Nothing is deleted."""
    _require(IssueAction.WITHDRAW, issue=issue, actor=actor)
    reason = _required_text(reason, field="note", message=_("请填写撤销理由。"))
    from_status = issue.status
    _compare_and_set(
        issue=issue,
        to_status=IssueStatus.WITHDRAWN,
        expected_version=expected_version,
        updates={"withdrawn_at": timezone.now()},
    )
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
def instruction_create(*, issue: Issue, actor: User, text: str) -> Instruction:
    """领导批示: shown on the issue and sent to the lead department (and the handing inspector)."""
    if not actor_may(IssueAction.INSTRUCT, actor, issue):
        raise IssuePermissionDenied(_("只有领导可以作出批示。"))
    text = _required_text(text, field="text", message=_("请填写批示内容。"))
    instruction = Instruction.objects.create(issue=issue, leader=actor, text=text)
    event = _event(
        issue=issue, actor=actor, action=IssueEvent.Action.INSTRUCTION, note=text, instruction_id=instruction.pk
    )
    with system_language():  # stored text: read later, by others
        title = _("领导批示（%(code)s）：%(text)s") % {"code": issue.code, "text": text[:40]}
        _notify_lead_department(issue, kind=NotificationKind.INSTRUCTION, event=event, title=title, body=text)
        _notify_inspector(issue, kind=NotificationKind.INSTRUCTION, event=event, title=title, body=text)
    return instruction


TRANSITIONS = {
    "sign": issue_sign,
    "submit": issue_submit,
    "return": issue_return,
    "close": issue_close,
    "withdraw": issue_withdraw,
}
