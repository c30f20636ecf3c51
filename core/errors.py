"""The one error type every service raises for a rule it refuses, and how it is shown.

A service refuses with a ServiceError (or a subclass an app declares): a message in the user's
language, a machine code, the HTTP status the API answers with, and, when the message belongs to
one input, that field's name. Pages put the message on the form (`add_to_form`); the API renders
it in its one error shape (core.api.api_exception_handler). Services never raise Django's
ValidationError for a rule: that type belongs to forms.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refusal a user can read. `message` may hold %(name)s placeholders filled from `params`."""

    default_message: Any = _("操作失败。")
    code = "invalid"
    http_status = 400

    def __init__(self, message: Any = None, *, field: str | None = None, **params: Any) -> None:
        self.message = message or self.default_message
        self.field = field
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class ServiceInvalid(ServiceError):
    """Input the rules refuse (a date before another, an empty reason …): 400."""

    default_message = _("输入有误。")
    code = "invalid"
    http_status = 400


class ServicePermissionDenied(ServiceError):
    """The actor may not do this to this object: 403."""

    default_message = _("您无权执行此操作。")
    code = "permission_denied"
    http_status = 403


class ServiceNotAllowed(ServiceError):
    """Not in the object's current state (close an open meeting twice, sign a closed issue): 409."""

    default_message = _("当前状态下不能执行此操作。")
    code = "transition_not_allowed"
    http_status = 409


class ServiceConflict(ServiceError):
    """Someone else changed the object between the user's read and this write: 409."""

    default_message = _("数据已被他人修改，请刷新后重试。")
    code = "conflict"
    http_status = 409


def add_to_form(form, error: ServiceError) -> None:
    """A refusal shown on the form the user sent: under its field when the form has one (a form may
    name its fields otherwise than the service: `service_fields` maps them), else on top of the
    form; what was typed stays."""
    field = getattr(form, "service_fields", {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error))
