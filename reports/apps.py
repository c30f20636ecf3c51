"""App configuration for reports, the top-floor figures, summaries, documents and exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Top floor: figures, the monthly dispatch summary, the dashboard and the exports."""

    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        # Talks (a floor below) record the 红黑榜 place they were held under: hand them our reader.
        from reports.talk_ranking import department_ranking_before
        from talks.ranking import set_ranking_source

        set_ranking_source(department_ranking_before)
