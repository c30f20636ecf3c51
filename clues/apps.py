"""App configuration for clues: 问题线索, their hand-over (移送) and disposal (处置)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = _("问题线索")

    def ready(self) -> None:
        from clues.services import clue_rollup_clear_when_no_clue

        post_migrate.connect(clue_rollup_clear_when_no_clue, sender=self)
