"""App configuration for core; on ready it counts a login as user activity."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础设置")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.middleware import mark_login_as_activity

        user_logged_in.connect(mark_login_as_activity, dispatch_uid="dudao-login-is-activity")
