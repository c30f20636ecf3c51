"""Who may do what to an issue. The services enforce these; pages use them to show buttons."""

from __future__ import annotations

from enum import StrEnum

from accounts.models import User
from issues.models import DEPARTMENT_OWES_STATUSES, OPEN_STATUSES, Issue, IssueStatus
from projects.selectors import user_can_inspect_project


class IssueAction(StrEnum):
    SIGN = "sign"
    PROGRESS = "progress"
    NOTE = "note"
    SUBMIT = "submit"
    RETURN = "return"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_DECIDE = "extension_decide"
    INSTRUCT = "instruct"
    EDIT = "edit"


def is_lead_liaison(user: User, issue: Issue) -> bool:
    return user.is_authenticated and user.is_liaison and user.department_id == issue.lead_department_id


def is_assisting_liaison(user: User, issue: Issue) -> bool:
    if not (user.is_authenticated and user.is_liaison):
        return False
    return issue.assisting_departments.filter(pk=user.department_id).exists()


def is_issue_inspector(user: User, issue: Issue) -> bool:
    return user_can_inspect_project(user=user, project_id=issue.project_id)


def actor_may(action: IssueAction, user: User, issue: Issue) -> bool:
    match action:
        case IssueAction.SIGN | IssueAction.SUBMIT | IssueAction.EXTENSION_REQUEST | IssueAction.PROGRESS:
            return is_lead_liaison(user, issue)
        case IssueAction.NOTE:
            return is_assisting_liaison(user, issue)
        case (
            IssueAction.RETURN
            | IssueAction.CLOSE
            | IssueAction.WITHDRAW
            | IssueAction.EXTENSION_DECIDE
            | IssueAction.EDIT
        ):
            return is_issue_inspector(user, issue)
        case IssueAction.INSTRUCT:
            return user.is_authenticated and user.is_leader
    return False


STATUSES_FOR: dict[IssueAction, tuple[str, ...]] = {
    IssueAction.SIGN: (IssueStatus.HANDED_OFF,),
    IssueAction.PROGRESS: (IssueStatus.IN_PROGRESS,),
    IssueAction.NOTE: DEPARTMENT_OWES_STATUSES,
    IssueAction.SUBMIT: (IssueStatus.IN_PROGRESS,),
    IssueAction.RETURN: (IssueStatus.SUBMITTED,),
    IssueAction.CLOSE: (IssueStatus.SUBMITTED,),
    IssueAction.WITHDRAW: OPEN_STATUSES,
    IssueAction.EXTENSION_REQUEST: (IssueStatus.IN_PROGRESS,),
    IssueAction.EXTENSION_DECIDE: OPEN_STATUSES,
    IssueAction.INSTRUCT: tuple(IssueStatus.values),
    IssueAction.EDIT: (IssueStatus.HANDED_OFF,),
}


def allowed_actions(user: User, issue: Issue) -> set[IssueAction]:
    """Actions the user may take on the issue in its current status (for buttons and the API).
    Each role fact is asked once, so a detail page costs a fixed handful of queries."""
    if not user.is_authenticated:
        return set()
    lead = is_lead_liaison(user, issue)
    assisting = is_assisting_liaison(user, issue)
    inspector = is_issue_inspector(user, issue)
    who = {
        IssueAction.SIGN: lead,
        IssueAction.PROGRESS: lead,
        IssueAction.SUBMIT: lead,
        IssueAction.EXTENSION_REQUEST: lead,
        IssueAction.NOTE: assisting,
        IssueAction.RETURN: inspector,
        IssueAction.CLOSE: inspector,
        IssueAction.WITHDRAW: inspector,
        IssueAction.EXTENSION_DECIDE: inspector,
        IssueAction.EDIT: inspector,
        IssueAction.INSTRUCT: user.is_leader,
    }
    allowed = {action for action, statuses in STATUSES_FOR.items() if issue.status in statuses and who[action]}
    if allowed & {IssueAction.EXTENSION_DECIDE, IssueAction.EXTENSION_REQUEST}:
        pending = issue.extension_requests.filter(status="pending").exists()
        allowed.discard(IssueAction.EXTENSION_REQUEST if pending else IssueAction.EXTENSION_DECIDE)
    return allowed
