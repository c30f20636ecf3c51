"""The issue workflow, declared once: every action on an issue, the statuses it may start from, the
status it leads to, who may take it and what it is called.

Everything that needs a rule of the workflow reads this table: the services (issues.services check
the actor and the status through issues.rules, then compare-and-set the status the table names),
the permission check and the buttons (issues.rules.allowed_actions), the page's action panels
(issues.views), the API's /transitions endpoint and its OpenAPI description (issues.api,
issues.serializers). A new action is a new row here plus its service function.

Who may act is a set of relations of the user to the issue (Who); `never` names relations that
exclude a user even when another relation would allow him (the separation of duties of 销号: an
inspector proposes, the group lead or a leader confirms, and neither the proposer nor the one who
handed the issue off can confirm).

    handed_off --sign--> in_progress --submit--> submitted --propose_close--> close_proposed --confirm_close--> closed
                              ^   ^                 |  ^                           |                           |
                              |   +----return-------+  +-------reject_close--------+                           |
                              +----------------------------- reopen (回头看: 反弹 / 未整改到位) -------------------+
    any open status --withdraw--> withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from issues.models import DEPARTMENT_OWES_STATUSES, OPEN_STATUSES, IssueStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class IssueAction(StrEnum):
    SIGN = "sign"
    PROGRESS = "progress"
    NOTE = "note"
    SUBMIT = "submit"
    REVIEW_EVIDENCE = "review_evidence"
    PROPOSE_CLOSE = "propose_close"
    CONFIRM_CLOSE = "confirm_close"
    REJECT_CLOSE = "reject_close"
    RETURN = "return"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_DECIDE = "extension_decide"
    INSTRUCT = "instruct"
    EDIT = "edit"


class Who(StrEnum):
    """A relation of a user to an issue (issues.rules.Relations answers each)."""

    LEAD_LIAISON = "lead_liaison"  # liaison of the lead department (责任单位)
    ASSISTING_LIAISON = "assisting_liaison"  # liaison of an assisting department (协办单位)
    INSPECTOR = "inspector"  # inspector of the project: member of its group, or authorized (特派员)
    GROUP_LEAD = "group_lead"  # lead (组长) of an active group that follows the project
    LEADER = "leader"  # 领导
    HANDING_INSPECTOR = "handing_inspector"  # the one who handed the issue off
    CLOSE_PROPOSER = "close_proposer"  # the one who proposed the pending 销号


@dataclass(frozen=True)
class Step:
    action: IssueAction
    label: StrOrPromise  # lazy text: the button, the panel and the error messages say it
    sources: tuple[str, ...]  # statuses the action may start from
    target: str | None  # the status it leads to; None: the status stays (a write, not a transition)
    who: frozenset[Who]  # any of these relations may take it …
    # … unless the user also holds one of these: (relation, the message that tells him why not)
    never: tuple[tuple[Who, StrOrPromise], ...] = ()
    service: str = ""  # the function in issues.services that takes it
    text_argument: str = "note"  # the service argument the user's text goes to
    arguments: tuple[str, ...] = ()  # the service's other arguments, as the API names them
    api: bool = True  # taken through POST /api/v1/issues/{id}/transitions
    # Offered as a button / an allowed action. False: taken only by another service (see REOPEN).
    offered: bool = True
    # True: only while an extension request is pending; False: refused while one is pending.
    pending_extension: bool | None = None
    refusal: StrOrPromise = _("您无权执行此操作。")  # the message for a user none of `who` describes


WORKFLOW: dict[IssueAction, Step] = {
    step.action: step
    for step in (
        Step(
            IssueAction.SIGN,
            _("签收"),
            (IssueStatus.HANDED_OFF,),
            IssueStatus.IN_PROGRESS,
            frozenset({Who.LEAD_LIAISON}),
            service="issue_sign",
            refusal=_("您无权签收：只有责任单位的联络员可以签收。"),
        ),
        Step(
            IssueAction.PROGRESS,
            _("报送进展"),
            (IssueStatus.IN_PROGRESS,),
            None,
            frozenset({Who.LEAD_LIAISON}),
            service="issue_progress_add",
            text_argument="text",
            arguments=("percent", "files"),
            api=False,  # POST /api/v1/issues/{id}/updates
        ),
        Step(
            IssueAction.NOTE,
            _("协办说明"),
            DEPARTMENT_OWES_STATUSES,
            None,
            frozenset({Who.ASSISTING_LIAISON}),
            service="issue_progress_add",
            text_argument="text",
            arguments=("files",),
            api=False,  # POST /api/v1/issues/{id}/updates
        ),
        Step(
            IssueAction.EXTENSION_REQUEST,
            _("申请延期"),
            (IssueStatus.IN_PROGRESS,),
            None,
            frozenset({Who.LEAD_LIAISON}),
            service="extension_request_create",
            text_argument="reason",
            arguments=("requested_deadline",),
            pending_extension=False,
            refusal=_("您无权申请延期：只有责任单位的联络员可以申请。"),
        ),
        Step(
            IssueAction.SUBMIT,
            _("提交核验"),
            (IssueStatus.IN_PROGRESS,),
            IssueStatus.SUBMITTED,
            frozenset({Who.LEAD_LIAISON}),
            service="issue_submit",
            pending_extension=False,
            refusal=_("您无权提交核验：只有责任单位的联络员可以提交。"),
        ),
        # Verification (核验): an inspector of the group reviews each evidence file, then proposes
        # 销号 with his 核验意见 or returns the issue for rework.
        Step(
            IssueAction.REVIEW_EVIDENCE,
            _("审核佐证材料"),
            (IssueStatus.SUBMITTED,),
            None,
            frozenset({Who.INSPECTOR}),
            service="evidence_review",
            arguments=("evidence_id", "verdict"),
            refusal=_("您无权审核佐证材料：只有该问题所属督导组的督导人员可以审核。"),
        ),
        Step(
            IssueAction.PROPOSE_CLOSE,
            _("提出销号"),
            (IssueStatus.SUBMITTED,),
            IssueStatus.CLOSE_PROPOSED,
            frozenset({Who.INSPECTOR}),
            service="issue_propose_close",
            refusal=_("您无权提出销号：只有该问题所属督导组的督导人员可以核验。"),
        ),
        Step(
            IssueAction.RETURN,
            _("退回重办"),
            (IssueStatus.SUBMITTED,),
            IssueStatus.IN_PROGRESS,
            frozenset({Who.INSPECTOR}),
            service="issue_return",
            text_argument="reason",
            refusal=_("您无权退回：只有该问题所属督导组的督导人员可以退回重办。"),
        ),
        # Confirmation: the lead of the issue's group, or a leader; never the one who proposed it,
        # nor the one who handed the issue off (he is never the only signature on its closure).
        Step(
            IssueAction.CONFIRM_CLOSE,
            _("确认销号"),
            (IssueStatus.CLOSE_PROPOSED,),
            IssueStatus.CLOSED,
            frozenset({Who.GROUP_LEAD, Who.LEADER}),
            never=(
                (Who.CLOSE_PROPOSER, _("销号是您提出的，不能由您本人确认：请由组内其他组长或领导确认。")),
                (Who.HANDING_INSPECTOR, _("该问题是您交办的，不能由您确认销号：请由组内其他组长或领导确认。")),
            ),
            service="issue_confirm_close",
            refusal=_("您无权确认销号：只有该问题所属督导组的组长或领导可以确认。"),
        ),
        Step(
            IssueAction.REJECT_CLOSE,
            _("退回核验"),
            (IssueStatus.CLOSE_PROPOSED,),
            IssueStatus.SUBMITTED,
            frozenset({Who.GROUP_LEAD, Who.LEADER}),
            service="issue_reject_close",
            refusal=_("您无权退回销号建议：只有该问题所属督导组的组长或领导可以退回。"),
        ),
        # 回头看 (re-check visit) that finds 反弹 or 未整改到位 reopens the issue with fresh deadlines:
        # taken only by the re-check service (issues.services.issue_recheck_record), never offered
        # as a button or an API action of its own.
        Step(
            IssueAction.REOPEN,
            _("重新整改"),
            (IssueStatus.CLOSED, IssueStatus.CLOSE_PROPOSED),
            IssueStatus.IN_PROGRESS,
            frozenset({Who.INSPECTOR, Who.GROUP_LEAD}),
            service="issue_reopen",
            arguments=("rectification_deadline",),
            api=False,
            offered=False,
            refusal=_("您无权重新打开该问题：只有该问题所属督导组的督导人员或组长可以。"),
        ),
        Step(
            IssueAction.EXTENSION_DECIDE,
            _("审批延期"),
            OPEN_STATUSES,
            None,
            frozenset({Who.GROUP_LEAD, Who.LEADER}),
            service="extension_request_decide",
            arguments=("approve", "extension_id"),
            pending_extension=True,
            refusal=_("您无权审批延期：只有该问题所属督导组的组长或领导可以审批。"),
        ),
        Step(
            IssueAction.WITHDRAW,
            _("撤销"),
            OPEN_STATUSES,
            IssueStatus.WITHDRAWN,
            frozenset({Who.INSPECTOR}),
            service="issue_withdraw",
            text_argument="reason",
            refusal=_("您无权撤销：只有该问题所属督导组的督导人员可以撤销。"),
        ),
        Step(
            IssueAction.INSTRUCT,
            _("批示"),
            OPEN_STATUSES,  # nothing is written on a closed or withdrawn issue
            None,
            frozenset({Who.LEADER}),
            service="instruction_create",
            text_argument="text",
            api=False,
            refusal=_("您无权批示：只有领导可以作出批示。"),
        ),
        Step(
            IssueAction.EDIT,
            _("修改交办内容"),
            (IssueStatus.HANDED_OFF,),
            None,
            frozenset({Who.INSPECTOR}),
            service="issue_edit",
            refusal=_("您无权修改交办内容：只有该问题所属督导组的督导人员可以修改。"),
            arguments=(
                "title",
                "description",
                "category",
                "severity",
                "sign_deadline",
                "rectification_deadline",
            ),
            api=False,
        ),
    )
}

# The actions the API's /transitions endpoint takes, in the table's order.
API_ACTIONS: tuple[IssueAction, ...] = tuple(action for action, step in WORKFLOW.items() if step.api)


def step_for(action: IssueAction | str) -> Step:
    return WORKFLOW[IssueAction(action)]
