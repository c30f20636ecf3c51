"""App configuration for rollups: the issue tallies the figures read, kept current at write time."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "rollups"
    verbose_name = _("统计汇总")
