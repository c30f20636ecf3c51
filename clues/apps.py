"""App configuration for clues: 问题线索, their hand-over (移送) and disposal (处置)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = _("问题线索")
