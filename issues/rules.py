"""Who may do what to an issue, read from the one workflow table (issues.workflow).

`check` is what the services call before they write (a refusal raises with a message that says
why); `allowed_actions` is what the pages and the API show. Both read the same rows and the same
relations, so a button is shown exactly when its service would accept the user.
"""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from issues.errors import IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import ExtensionRequest, Issue
from issues.workflow import WORKFLOW, IssueAction, Step, Who, step_for
from projects.selectors import user_can_inspect_project, user_leads_group_of_project

__all__ = ["IssueAction", "Relations", "actor_may", "allowed_actions", "check", "check_hand_off", "refusal"]


class Relations:
    """The relations (workflow.Who) of one user to one issue, each asked of the database at most
    once and only when a rule needs it, so a page costs a fixed handful of queries."""

    def __init__(self, user: User, issue: Issue, *, pending_extension: bool | None = None):
        self.user = user
        self.issue = issue
        if pending_extension is not None:
            self.__dict__["pending_extension"] = pending_extension

    @cached_property
    def pending_extension(self) -> bool:
        return ExtensionRequest.objects.filter(issue=self.issue, status=ExtensionRequest.Status.PENDING).exists()

    def holds(self, who: Who) -> bool:
        return getattr(self, f"_is_{who.value}")

    @cached_property
    def _is_lead_liaison(self) -> bool:
        return self.user.is_liaison and self.user.department_id == self.issue.lead_department_id

    @cached_property
    def _is_assisting_liaison(self) -> bool:
        if not self.user.is_liaison or self.user.department_id is None:
            return False
        return self.issue.assisting_departments.filter(pk=self.user.department_id).exists()

    @cached_property
    def _is_inspector(self) -> bool:
        return user_can_inspect_project(user=self.user, project_id=self.issue.project_id)

    @cached_property
    def _is_group_lead(self) -> bool:
        return self.user.is_inspector and user_leads_group_of_project(user=self.user, project_id=self.issue.project_id)

    @cached_property
    def _is_leader(self) -> bool:
        return self.user.is_leader

    @cached_property
    def _is_handing_inspector(self) -> bool:
        return self.issue.handed_off_by_id == self.user.pk

    @cached_property
    def _is_close_proposer(self) -> bool:
        return self.issue.close_proposed_by_id == self.user.pk

    def excluded_by(self, step: Step):
        """The message of the first exclusion of the step the user falls under, or None."""
        return next((message for who, message in step.never if self.holds(who)), None)

    def may(self, step: Step) -> bool:
        """Whether one of the step's relations holds and none of its exclusions does."""
        return any(self.holds(who) for who in step.who) and self.excluded_by(step) is None


def _status_refusal(step: Step, issue: Issue) -> IssueTransitionNotAllowed:
    return IssueTransitionNotAllowed(
        _("问题当前为“%(status)s”状态，不能%(action)s。"), status=issue.get_status_display(), action=step.label
    )


def check(action: IssueAction | str, *, user: User, issue: Issue) -> Step:
    """The step of `action` when `user` may take it on `issue` as loaded; raises
    IssuePermissionDenied (wrong person) or IssueTransitionNotAllowed (wrong state) otherwise.
    The service then compares-and-sets the status it saw, so a concurrent change still loses."""
    step = step_for(action)
    if not user.is_authenticated:
        raise IssuePermissionDenied()
    relations = Relations(user, issue)
    if not any(relations.holds(who) for who in step.who):
        raise IssuePermissionDenied(step.refusal)
    excluded = relations.excluded_by(step)
    if excluded is not None:
        raise IssuePermissionDenied(excluded)
    if issue.status not in step.sources:
        raise _status_refusal(step, issue)
    return step


def check_hand_off(*, user: User, project_id: int | None = None) -> None:
    """Only inspectors hand issues off, and only on a project they inspect (a group's or an
    authorization's): the service asks with the project, the pages and the API before they offer
    the form (without one). Raises IssuePermissionDenied."""
    if not (user.is_authenticated and user.is_inspector):
        raise IssuePermissionDenied(_("只有督导人员可以交办问题。"))
    if project_id is not None and not user_can_inspect_project(user=user, project_id=project_id):
        raise IssuePermissionDenied(_("您不是该项目的督导人员，不能交办问题。"))


def refusal(action: IssueAction | str, user: User, issue: Issue):
    """Why the user may not take `action` on the issue whatever its status (the message a page
    shows with its 403), or None when he may."""
    step = step_for(action)
    if not user.is_authenticated:
        return step.refusal
    relations = Relations(user, issue)
    if not any(relations.holds(who) for who in step.who):
        return step.refusal
    return relations.excluded_by(step)


def actor_may(action: IssueAction | str, user: User, issue: Issue) -> bool:
    """Whether the user holds a relation that allows `action` (whatever the status)."""
    return user.is_authenticated and Relations(user, issue).may(step_for(action))


def allowed_actions(user: User, issue: Issue, *, pending_extension: bool | None = None) -> set[IssueAction]:
    """Actions the user may take on the issue in its current status (for buttons and the API).
    `pending_extension`: whether a request is pending, when the caller already read the requests."""
    if not user.is_authenticated:
        return set()
    relations = Relations(user, issue, pending_extension=pending_extension)
    allowed = set()
    for action, step in WORKFLOW.items():
        if not step.offered or issue.status not in step.sources or not relations.may(step):
            continue
        if step.pending_extension is not None and relations.pending_extension != step.pending_extension:
            continue
        allowed.add(action)
    return allowed
