"""App configuration for intake, the 问题清单 imported from Excel."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Top floor: an inspector's Excel list of problems, previewed row by row, then handed off
    through the issues hand-off service, with one 交办函 (reports.documents) per department."""

    name = "intake"
    verbose_name = _("问题清单导入")
