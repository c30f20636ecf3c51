"""The 红黑榜 snapshot a talk is held under, and where it comes from.

The 红黑榜 is decided on the top floor (reports.ranking, reports.figures), above this app, so
talks cannot ask for it directly. The reports app hands its reader in at start-up
(`set_ranking_source`, called from reports.apps.ReportsConfig.ready): the dependency points
downwards, and a talk recorded where reports is not installed simply carries no snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RankingSnapshot:
    """A department's place on one month's 红黑榜: `listed` is "red", "black" or "" (neither)."""

    month: str  # yyyy-mm
    listed: str
    reason: str


RankingSource = Callable[[int, dt.date], "RankingSnapshot | None"]

_source: RankingSource | None = None


def set_ranking_source(source: RankingSource | None) -> None:
    global _source
    _source = source


def ranking_snapshot_for(*, department_id: int, held_on: dt.date) -> RankingSnapshot | None:
    """The department's place on the 红黑榜 read out before the talk (its month's predecessor),
    or None when no source is installed or that month has no 红黑榜."""
    return _source(department_id, held_on) if _source is not None else None
