"""App configuration for dispatch: meetings, decisions and monthly summaries."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("调度会")
