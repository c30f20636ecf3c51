"""django-axes (login lockout) under a Chinese name in the admin. Its model and field labels are
translated in locale/zh_Hans (axes ships no Chinese catalog); the app's own name and the two list
columns it derives from method names are set here. A module of its own: a second AppConfig in
accounts/apps.py would stop Django from picking AccountsConfig automatically."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("登录防护")

    def ready(self):
        super().ready()
        from axes.admin import AccessAttemptAdmin

        AccessAttemptAdmin.expiration.short_description = _("失效时间")
        AccessAttemptAdmin.status.short_description = _("状态")
