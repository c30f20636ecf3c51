"""The 红黑榜: who is on which list, and why — decided here and nowhere else.

`department_standings` is the one function that decides. The dashboard (the current month, live),
the monthly summary page, its Word and Excel exports, the 通报 and the API all show what it
returned for their period; none of them re-ranks.

A period is a month. For each lead department it reads (see reports.figures._standing_stats):
销号 issues closed in the period, 按期销号 closed on time (the issues app's definition), 退回返工
issues closed in the period that had been returned for rework at least once, 逾期未整改 issues
overdue at the period's end (the issues app's definition) and how many working days the oldest of
them is overdue (core.workdays.WorkCalendar, as the ledger counts).

黑榜 — any one of:
  (1) an open issue overdue more than `black_overdue_working_days` working days;
  (2) an on-time rate below `black_on_time_rate_below` % with at least `black_min_closed` closures;
  (3) at least `black_min_reworked` issues returned for rework among its closures.
红榜 — all of, and not on the 黑榜:
  at least `red_min_closed` closures, an on-time rate at or above `red_min_on_time_rate` %,
  no overdue open issue at all (however few days), a rework rate at or below `red_max_rework_rate` %.
So nobody is on both lists, a department with an overdue issue is never on the 红榜, and a
department with no closures is on neither unless an issue of its is overdue past the limit.

Where the thresholds live: Django settings (`DUDAO_RANKING`, read from the environment in
config/settings/base.py), with the defaults below. They are a policy the commission's meeting
sets a few times a year, not data a user edits daily; as settings they change with a deploy that
leaves a trace in the deployment history, and every month's figures carry the thresholds they
were judged by (`figures["ranking"]["rules"]`), so a frozen month keeps the rule it was read out
under even after the thresholds change. The rule is printed under each list in words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

RED, BLACK = "red", "black"


@dataclass(frozen=True)
class RankingRules:
    red_min_closed: int = 2
    red_min_on_time_rate: float = 90.0
    red_max_rework_rate: float = 20.0
    black_overdue_working_days: int = 5
    black_on_time_rate_below: float = 60.0
    black_min_closed: int = 3
    black_min_reworked: int = 2

    def __post_init__(self) -> None:
        if self.red_min_closed < 1:
            raise ImproperlyConfigured("DUDAO_RANKING red_min_closed must be at least 1")
        if self.black_min_closed < 1 or self.black_min_reworked < 1 or self.black_overdue_working_days < 0:
            raise ImproperlyConfigured("DUDAO_RANKING black thresholds must be positive")
        for name in ("red_min_on_time_rate", "red_max_rework_rate", "black_on_time_rate_below"):
            if not 0 <= getattr(self, name) <= 100:
                raise ImproperlyConfigured(f"DUDAO_RANKING {name} must be a percentage")

    @classmethod
    def from_settings(cls) -> RankingRules:
        configured = getattr(settings, "DUDAO_RANKING", {}) or {}
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(configured) - set(known)
        if unknown:
            raise ImproperlyConfigured(f"DUDAO_RANKING: unknown keys {sorted(unknown)}")
        return cls(**{key: (int if known[key] == "int" else float)(value) for key, value in configured.items()})

    @classmethod
    def from_dict(cls, data: dict) -> RankingRules:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> dict[str, str]:
        """The rule in words, printed under the lists."""
        values = {key: f"{value:g}" for key, value in self.as_dict().items()}
        return {
            RED: _(
                "红榜：本期销号%(red_min_closed)s件及以上，按期整改率不低于%(red_min_on_time_rate)s%%，"
                "无逾期未整改问题，返工率不高于%(red_max_rework_rate)s%%。"
            )
            % values,
            BLACK: _(
                "黑榜：有问题逾期超过%(black_overdue_working_days)s个工作日未整改，或本期销号%(black_min_closed)s件及以上"
                "而按期整改率低于%(black_on_time_rate_below)s%%，或本期退回返工%(black_min_reworked)s件及以上。"
            )
            % values,
        }


@dataclass(frozen=True)
class DepartmentRecord:
    """One lead department's record over the period (counts are issues, days are working days)."""

    id: int
    name: str
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0  # closed in the period after at least one return for rework
    overdue: int = 0  # open and overdue at the period's end
    max_overdue_working_days: int = 0
    avg_close_working_days: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        return round(100.0 * self.closed_on_time / self.closed, 1) if self.closed else None

    @property
    def rework_rate(self) -> float | None:
        return round(100.0 * self.reworked / self.closed, 1) if self.closed else None


def _pct(value: float) -> str:
    return f"{value:g}%"


def _black_reasons(record: DepartmentRecord, rules: RankingRules) -> list[str]:
    reasons = []
    if record.overdue and record.max_overdue_working_days > rules.black_overdue_working_days:
        reasons.append(
            _("逾期未整改%(n)s件，最长%(days)s个工作日")
            % {"n": record.overdue, "days": record.max_overdue_working_days}
        )
    if record.closed >= rules.black_min_closed and record.on_time_rate < rules.black_on_time_rate_below:
        reasons.append(
            _("按期整改率%(rate)s（销号%(n)s件）") % {"rate": _pct(record.on_time_rate), "n": record.closed}
            if record.closed_on_time
            else _("销号%(n)s件均未按期") % {"n": record.closed}
        )
    if record.reworked >= rules.black_min_reworked:
        reasons.append(_("退回返工%(n)s件") % {"n": record.reworked})
    return reasons


def _is_red(record: DepartmentRecord, rules: RankingRules) -> bool:
    return (
        record.closed >= rules.red_min_closed
        and record.overdue == 0
        and record.on_time_rate >= rules.red_min_on_time_rate
        and record.rework_rate <= rules.red_max_rework_rate
    )


def _red_reason(record: DepartmentRecord) -> str:
    if record.closed_on_time == record.closed:
        done = _("销号%(n)s件，均按期销号") % {"n": record.closed}
    else:
        done = _("销号%(n)s件，按期整改率%(rate)s") % {"n": record.closed, "rate": _pct(record.on_time_rate)}
    parts = [done, _("无逾期未整改问题")]
    parts.append(_("无退回返工") if not record.reworked else _("退回返工%(n)s件") % {"n": record.reworked})
    return _("，").join(parts)


def department_standings(records: list[DepartmentRecord], rules: RankingRules) -> dict:
    """THE rule. Returns {"rules", "rules_text", "red", "black", "rows"}: `red` and `black` are the
    listed departments in reading order, each {"id", "name", "reason"}; `rows` is every department
    with its record, its list ("red", "black" or "") and its reason. Ties keep a stable order: on the
    红榜 by on-time rate, then closures, then faster average close, then name; on the 黑榜 the
    longest overdue first, then more overdue issues, then the lower on-time rate, then name."""
    rows = []
    for record in records:
        black = _black_reasons(record, rules)
        listed = BLACK if black else RED if _is_red(record, rules) else ""
        reason = _("；").join(black) if black else _red_reason(record) if listed == RED else ""
        rows.append(
            {
                "id": record.id,
                "name": record.name,
                "closed": record.closed,
                "closed_on_time": record.closed_on_time,
                "on_time_rate": record.on_time_rate,
                "reworked": record.reworked,
                "rework_rate": record.rework_rate,
                "overdue": record.overdue,
                "max_overdue_working_days": record.max_overdue_working_days,
                "avg_close_working_days": record.avg_close_working_days,
                "list": listed,
                "reason": reason,
            }
        )

    def red_key(row: dict) -> tuple:
        average = row["avg_close_working_days"]
        return (-row["on_time_rate"], -row["closed"], average if average is not None else 1e9, row["name"], row["id"])

    def black_key(row: dict) -> tuple:
        rate = row["on_time_rate"] if row["on_time_rate"] is not None else 101
        return (-row["max_overdue_working_days"], -row["overdue"], rate, -row["reworked"], row["name"], row["id"])

    def neither_key(row: dict) -> tuple:
        return (-row["overdue"], -row["closed"], row["name"], row["id"])

    red = sorted((r for r in rows if r["list"] == RED), key=red_key)
    black = sorted((r for r in rows if r["list"] == BLACK), key=black_key)
    neither = sorted((r for r in rows if not r["list"]), key=neither_key)
    return {
        "rules": rules.as_dict(),
        "rules_text": rules.describe(),
        "red": [{"id": r["id"], "name": r["name"], "reason": r["reason"]} for r in red],
        "black": [{"id": r["id"], "name": r["name"], "reason": r["reason"]} for r in black],
        "rows": red + neither + black,
    }
