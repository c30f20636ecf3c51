"""Typed refusals of clue disposal (core.errors.ServiceError): 403 / 409 / 400 in the API, a
message on the form in the pages."""

from django.utils.translation import gettext_lazy as _

from core.errors import ServiceConflict, ServiceError, ServiceInvalid, ServiceNotAllowed, ServicePermissionDenied


class ClueError(ServiceError):
    """Any refusal of clues.services."""


class CluePermissionDenied(ClueError, ServicePermissionDenied):
    default_message = _("您无权对该问题线索执行此操作。")


class ClueStepNotAllowed(ClueError, ServiceNotAllowed):
    default_message = _("该问题线索当前为“%(status)s”，不能%(step)s。")


class ClueConflict(ClueError, ServiceConflict):
    default_message = _("该问题线索已被他人处置（当前状态：%(status)s），请刷新后重试。")


class ClueInvalid(ClueError, ServiceInvalid):
    default_message = _("输入有误。")
