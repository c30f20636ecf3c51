"""App configuration for rollups: the issue tallies the figures read, kept current at write time."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "rollups"
    verbose_name = _("统计汇总")

    def ready(self) -> None:
        # The ledger's and the API's totals from the rollup (issues sits below and cannot import it).
        from issues.filters import register_total_counter
        from rollups.ledger import rollup_total

        register_total_counter(rollup_total)

        from rollups.services import rollups_clear_when_no_issue

        post_migrate.connect(rollups_clear_when_no_issue, sender=self)
