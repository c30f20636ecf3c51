"""Refusals of intake.services, all core.errors.ServiceError: pages show the message."""

from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError, ServiceInvalid, ServiceNotAllowed, ServicePermissionDenied


class IntakeError(ServiceError):
    """Any refusal of intake.services."""


class IntakePermissionDenied(IntakeError, ServicePermissionDenied):
    default_message = _("只有督导人员可以导入问题清单。")


class IntakeInvalid(IntakeError, ServiceInvalid):
    default_message = _("问题清单有误。")


class IntakeNotAllowed(IntakeError, ServiceNotAllowed):
    """The batch is no longer waiting for confirmation (handed off or abandoned already)."""

    default_message = _("该批次当前为“%(status)s”，不能再次操作。")


class IntakeRowRefused(IntakeInvalid):
    """A row the hand-off refused at confirmation: nothing of the batch was handed off."""

    default_message = _("第%(row)s行：%(reason)s。整批未交办任何问题，请核对预览后重试。")
