"""The campaign figures counted from the clues, and the ONE name of each figure.

The summary page, the 通报 (reports.narrative), the Word and Excel exports and the clue list all
read their labels from CAMPAIGN_FIGURES, so a figure is never called two things (the old pages
said 受理线索 on one and 查处问题 on another for the same count).

Definitions, for a period (a month, or everything up to its last day):

- cases 受理问题线索（件）: clues handed over (移送) to the case-handling side, by received_on.
- people 涉及人数: the people concerned of those clues.
- filed 立案（件）: clues whose disposal was 立案审查调查, by filed_on.
- sanctioned 党纪政务处分（人）: people given a 党纪处分 or a 政务处分 (or both: one person), by the
  day of the decision. party / government 党纪处分（人）/ 政务处分（人）: by kind — a person given
  both counts in each, so the two may add up to more than 党纪政务处分 (never read as its 其中).
- organizational 组织处理（人）: people with an 组织处理 measure, by the day of the decision.
- form_1 … form_4 第一种形态（人）… 第四种形态（人）: people by the form of supervision applied
  (one form per person, so they add up to every person with a decision).
- notified_cases 通报曝光典型问题（起）: clues publicly notified, by exposed_on; notified_people
  通报曝光（人）: the people those notices named.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clues.models import Clue, ClueRollup, ClueSubject
from clues.rollup import CITY

CAMPAIGN_FIGURES: tuple[tuple[str, Promise], ...] = (
    ("cases", _("受理问题线索（件）")),
    ("people", _("涉及人数")),
    ("filed", _("立案（件）")),
    ("sanctioned", _("党纪政务处分（人）")),
    ("party", _("党纪处分（人）")),
    ("government", _("政务处分（人）")),
    ("organizational", _("组织处理（人）")),
    ("form_1", _("第一种形态（人）")),
    ("form_2", _("第二种形态（人）")),
    ("form_3", _("第三种形态（人）")),
    ("form_4", _("第四种形态（人）")),
    ("notified_cases", _("通报曝光典型问题（起）")),
    ("notified_people", _("通报曝光（人）")),
)
CAMPAIGN_KEYS = tuple(key for key, _label in CAMPAIGN_FIGURES)


def _within(field: str, first: dt.date | None, last: dt.date) -> Q:
    q = Q(**{f"{field}__lte": last})
    return q & Q(**{f"{field}__gte": first}) if first is not None else q


def _clue_counts(first: dt.date | None, last: dt.date, prefix: str) -> dict[str, Any]:
    """The figures counted in clues (件/起): one row each, no join."""
    return {
        f"{prefix}cases": Count("pk", filter=_within("received_on", first, last)),
        f"{prefix}filed": Count("pk", filter=_within("filed_on", first, last)),
        f"{prefix}notified_cases": Count("pk", filter=_within("exposed_on", first, last)),
    }


def _person_counts(first: dt.date | None, last: dt.date, prefix: str) -> dict[str, Any]:
    """The figures counted in people (人): one row per person concerned, joined to his clue for
    the clue's days."""
    decided = _within("decided_on", first, last)
    sanctioned = ~Q(party_sanction="") | ~Q(government_sanction="") | Q(sanction_unclassified=True)
    return {
        f"{prefix}people": Count("pk", filter=_within("clue__received_on", first, last)),
        f"{prefix}sanctioned": Count("pk", filter=decided & sanctioned),
        f"{prefix}party": Count("pk", filter=decided & ~Q(party_sanction="")),
        f"{prefix}government": Count("pk", filter=decided & ~Q(government_sanction="")),
        f"{prefix}organizational": Count("pk", filter=decided & ~Q(organizational_measure="")),
        **{f"{prefix}form_{n}": Count("pk", filter=decided & Q(supervision_form=str(n))) for n in range(1, 5)},
        f"{prefix}notified_people": Count("pk", filter=_within("clue__exposed_on", first, last) & Q(exposed=True)),
    }


def campaign_counts(*, clues: QuerySet[Clue], first_day: dt.date, last_day: dt.date) -> dict[str, dict[str, int]]:
    """{"month": {key: n}, "to_date": {key: n}} for the (already scoped) clues: the period from
    first_day to last_day, and everything up to last_day. Two queries whatever the number of rows:
    the clues' figures over the clues, the people's over the people concerned (with their clue).
    Counted in one query over the clues joined to their people, the clues' figures needed DISTINCT
    counts, six sorts of the whole join (about 125 ms of 80,000 rows at 10 × S)."""
    periods = ((first_day, "m_"), (None, "t_"))
    raw = clues.order_by().aggregate(
        **{key: value for first, prefix in periods for key, value in _clue_counts(first, last_day, prefix).items()}
    )
    people = ClueSubject.objects.order_by()
    if clues.query.has_filters():  # a scope: its clues' people (the city's are every person)
        people = people.filter(clue__in=clues.order_by().values("pk"))
    raw |= people.aggregate(
        **{key: value for first, prefix in periods for key, value in _person_counts(first, last_day, prefix).items()}
    )
    return {
        "month": {key: int(raw[f"m_{key}"]) for key in CAMPAIGN_KEYS},
        "to_date": {key: int(raw[f"t_{key}"]) for key in CAMPAIGN_KEYS},
    }


def campaign_counts_rolled_up(
    *, project_q: Q | None, first_day: dt.date, last_day: dt.date
) -> dict[str, dict[str, int]] | None:
    """campaign_counts of a calendar month from the rollup (clues.models.ClueRollup): one query
    over the scope's rows of the months to its end (the city's own rows when `project_q` is None,
    a few hundred whatever the clues). `project_q` selects the scope's projects as it selects
    their clues (Q(project__in=…)). None for a period that is not a whole month: the rollup
    counts by month."""
    if first_day.day != 1 or last_day != (first_day + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1):
        return None
    rows = ClueRollup.objects.filter(project_q if project_q is not None else Q(project_id=CITY), month__lte=first_day)
    sums = {
        figure: (month, to_date)
        for figure, month, to_date in rows.order_by()
        .values("figure")
        .annotate(in_month=Sum("n", filter=Q(month=first_day)), to_date=Sum("n"))
        .values_list("figure", "in_month", "to_date")
    }
    return {
        "month": {key: int(sums.get(key, (0, 0))[0] or 0) for key in CAMPAIGN_KEYS},
        "to_date": {key: int(sums.get(key, (0, 0))[1] or 0) for key in CAMPAIGN_KEYS},
    }


def campaign_rows(*, month: dict[str, int], to_date: dict[str, int]) -> list[dict[str, Any]]:
    """Label, month and cumulative value of every figure, for a table. A frozen month written before
    a figure existed has no value for it: None (shown as —), never a made-up 0."""
    return [
        {"key": key, "label": str(label), "month": month.get(key), "to_date": to_date.get(key)}
        for key, label in CAMPAIGN_FIGURES
    ]
