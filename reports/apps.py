from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Top floor: figures, the monthly dispatch summary, the dashboard and the exports."""

    name = "reports"
    verbose_name = _("统计报表")
