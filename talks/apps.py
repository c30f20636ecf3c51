"""App configuration for talks: 约谈 and 提醒谈话 with departments' responsible people."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    name = "talks"
    verbose_name = _("约谈记录")
