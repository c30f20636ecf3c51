"""The 红黑榜 place a talk (talks app, a floor below) records: handed to talks at start-up by
ReportsConfig.ready, so the dependency points downwards.

A talk is held about the 红黑榜 that was read out before it: the list of the month before the
talk's month, from that month's frozen city-wide summary (frozen now if the beat has not done it
yet), the same list the 通报 printed. A department on neither list is recorded as such; a month
judged before the 红黑榜 rule existed gives no snapshot.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.months import Month
from reports.figures import SCOPE_ALL, ReportScope
from reports.services import summary_for
from talks.ranking import RankingSnapshot


def department_ranking_before(department_id: int, held_on: dt.date) -> RankingSnapshot | None:
    month = Month.of(held_on).previous()
    view = summary_for(month=month, scope=ReportScope(key=SCOPE_ALL, label=_("全市")))
    ranking = view.figures.get("ranking")
    if not ranking:
        return None
    for row in ranking.get("rows", []):
        if row["id"] == department_id and row.get("list"):
            return RankingSnapshot(month=str(month), listed=row["list"], reason=row.get("reason", ""))
    return RankingSnapshot(month=str(month), listed="", reason="")
