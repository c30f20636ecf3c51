"""Typed refusals of the issue workflow, all core.errors.ServiceError: pages put the message on the
form, the API answers with the status and code each carries (403 permission_denied, 409
transition_not_allowed or conflict, 400 invalid). Messages are in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ServiceConflict, ServiceError, ServiceInvalid, ServiceNotAllowed, ServicePermissionDenied


class IssueWorkflowError(ServiceError):
    """Any refusal of issues.services."""


class IssuePermissionDenied(IssueWorkflowError, ServicePermissionDenied):
    default_message = _("您无权执行此操作。")


class IssueTransitionNotAllowed(IssueWorkflowError, ServiceNotAllowed):
    default_message = _("当前状态下不能执行此操作。")


class IssueConflict(IssueWorkflowError, ServiceConflict):
    """Someone else changed the issue between the user's read and this write."""

    default_message = _("该问题已被他人修改（当前状态：%(status)s），请刷新后重试。")

    def __init__(self, message=None, *, changes: list[str] | tuple = (), **params):
        # What others did since the user read the issue, one line each, so they see what changed.
        self.changes = list(changes)
        super().__init__(message, **params)

    def __str__(self) -> str:
        text = super().__str__()
        if self.changes:
            text += str(_("期间的变更：%(changes)s")) % {"changes": "；".join(self.changes)}
        return text


class IssueInvalidInput(IssueWorkflowError, ServiceInvalid):
    default_message = _("输入有误。")
