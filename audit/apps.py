"""App configuration for audit; on ready it protects the pghistory event tables from changes."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计记录")

    def ready(self):
        from audit.immutability import protect_event_tables

        # A tracker added later gets a new event table; guard it on the next migrate as well.
        post_migrate.connect(protect_event_tables, sender=self)

        # pghistory's admin page queries the event tables with PostgreSQL SQL; on a SQLite
        # development database (no audit rows anyway) it would answer 500, so it is not offered.
        from django.db import connection

        if connection.vendor != "postgresql":
            from django.contrib import admin
            from pghistory import config

            model = config.admin_queryset().model
            if admin.site.is_registered(model):
                admin.site.unregister(model)
