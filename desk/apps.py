from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """Top floor: pages that compose several apps (each role's home, the project page) and the demo loader."""

    name = "desk"
    verbose_name = _("工作台")
