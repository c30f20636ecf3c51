"""Typed errors of the issue workflow. Messages are in the user's language (Chinese first)."""

from django.utils.translation import gettext_lazy as _


class IssueWorkflowError(Exception):
    default_message = _("操作失败。")
    code = "workflow_error"

    def __init__(self, message=None, **params):
        self.message = message or self.default_message
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class IssuePermissionDenied(IssueWorkflowError):
    default_message = _("您无权执行此操作。")
    code = "permission_denied"


class IssueTransitionNotAllowed(IssueWorkflowError):
    default_message = _("当前状态下不能执行此操作。")
    code = "transition_not_allowed"


class IssueConflict(IssueWorkflowError):
    """Someone else changed the issue between the user's read and this write."""

    default_message = _("该问题已被他人修改（当前状态：%(status)s），请刷新后重试。")
    code = "conflict"

    def __init__(self, message=None, *, changes: list[str] | tuple = (), **params):
        # What others did since the user read the issue, one line each, so they see what changed.
        self.changes = list(changes)
        super().__init__(message, **params)

    def __str__(self) -> str:
        text = super().__str__()
        if self.changes:
            text += str(_("期间的变更：%(changes)s")) % {"changes": "；".join(self.changes)}
        return text


class IssueInvalidInput(IssueWorkflowError):
    default_message = _("输入有误。")
    code = "invalid"

    def __init__(self, message=None, *, field: str | None = None, **params):
        self.field = field
        super().__init__(message, **params)
