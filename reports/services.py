"""Writes of the monthly dispatch summary: freezing a closed month, and reading a month the one
right way (frozen snapshot for a closed month, live figures for the current one); the numbers of
the official documents (发文字号)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from core.workdays import WorkCalendar
from dispatch.models import MonthlySummary
from reports.figures import Month, ReportScope, current_month, freeze_scopes, monthly_figures
from reports.models import DocumentCounter, DocumentKind, DocumentNumber
from reports.narrative import Bulletin, bulletin_for, bulletin_from_stored, bulletin_title

BULLETIN_KEY = "bulletin"  # where a frozen row keeps its 通报 inside MonthlySummary.figures


@dataclass
class SummaryView:
    figures: dict[str, Any]
    bulletin: Bulletin
    frozen: MonthlySummary | None  # None: the current month, live

    @property
    def narrative(self) -> str:
        """The 通报 as plain text (the API's `narrative`)."""
        return self.bulletin.text

    @property
    def live(self) -> bool:
        return self.frozen is None


def _freeze_one(*, month: Month, scope: ReportScope) -> MonthlySummary:
    existing = MonthlySummary.objects.filter(month=month.first_day, scope_key=scope.key).first()
    if existing is not None:
        return existing
    # Frozen for everyone: written in the official language whatever the first reader's UI is.
    with translation.override(settings.LANGUAGE_CODE):
        figures = monthly_figures(month=month, scope=scope)
        bulletin = bulletin_for(month=month, scope=scope, figures=figures)
    try:
        # A savepoint: a concurrent freezer winning the unique constraint must not break our transaction.
        with transaction.atomic():
            return MonthlySummary.objects.create(
                month=month.first_day,
                scope_key=scope.key,
                figures={**figures, BULLETIN_KEY: bulletin.as_dict()},
                narrative=bulletin.text,
            )
    except IntegrityError:
        return MonthlySummary.objects.get(month=month.first_day, scope_key=scope.key)


def monthly_summary_freeze(month: Month) -> list[MonthlySummary]:
    """Freeze a closed month for the city and every active group. Idempotent: a scope already
    frozen keeps its snapshot untouched, so a figure read out at a meeting never changes.
    Raises ValueError for the current or a future month (those are still moving)."""
    if month >= current_month():
        raise ValueError("only a closed month can be frozen")
    return [_freeze_one(month=month, scope=scope) for scope in freeze_scopes()]


def summary_for(
    *, month: Month, scope: ReportScope, project_rows: int | None = None, decision_rows: int | None = None
) -> SummaryView:
    """The current month: live figures. A closed month: its frozen snapshot — frozen now, on first
    read, if the beat task has not done it yet (e.g. a month from before the system ran).
    `project_rows`: a page that shows only the first rows of the projects' table asks for no more
    of the live month (reports.figures.monthly_figures), and `decision_rows` likewise of the
    decisions; a frozen snapshot has them all."""
    today = timezone.localdate()
    if month > Month.of(today):
        raise ValueError("a future month has no summary")
    if month == Month.of(today):
        figures = monthly_figures(
            month=month, scope=scope, today=today, project_rows=project_rows, decision_rows=decision_rows
        )
        return SummaryView(
            figures=figures, bulletin=bulletin_for(month=month, scope=scope, figures=figures), frozen=None
        )
    frozen = _freeze_one(month=month, scope=scope)
    return _frozen_view(frozen, month=month, scope=scope)


def upgrade_frozen_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """A row frozen before the 红黑榜 rule and the working-day overdue list: its overdue list
    (then `red_list`, in calendar days) recounted in working days from its own deadlines and day
    read — the same calendar, so the same figure the ledger showed — and no 红黑榜 (`ranking`
    None: the page says the month was judged before the rule). Every other figure stays as frozen."""
    if "overdue_list" not in figures:
        rows = figures.get("red_list", [])
        as_of = dt.date.fromisoformat(figures["as_of"])
        deadlines = [dt.date.fromisoformat(row["deadline"]) for row in rows]
        calendar = WorkCalendar.for_span(min(deadlines, default=as_of), as_of)
        figures["overdue_list"] = [
            {
                **{key: value for key, value in row.items() if key != "days_overdue"},
                "working_days_overdue": calendar.workdays_after(deadline, as_of),
            }
            for row, deadline in zip(rows, deadlines, strict=True)
        ]
        figures["overdue_list_total"] = figures.get("red_list_total", len(rows))
    figures.setdefault("ranking", None)
    figures.setdefault("patterns", {})
    return figures


def _frozen_view(frozen: MonthlySummary, *, month: Month, scope: ReportScope) -> SummaryView:
    """A frozen row as it was written: its 通报 sections, or, for a row frozen before the 通报 had
    sections, its one-paragraph narrative under the title (never re-generated: read out once, fixed)."""
    figures = upgrade_frozen_figures(dict(frozen.figures))
    stored = figures.pop(BULLETIN_KEY, None)
    title = bulletin_title(month_label=month.label, scope_label=scope.label, is_city=scope.group_id is None)
    bulletin = bulletin_from_stored(stored=stored, narrative=frozen.narrative, title=title)
    return SummaryView(figures=figures, bulletin=bulletin, frozen=frozen)


def document_number_for(
    *, kind: DocumentKind, key: str, document_date: dt.date, actor: User | None = None
) -> DocumentNumber:
    """The number of the document `key` of `kind`: the one it was given at its first export, or
    the next number of its kind in `document_date`'s year. Numbers are taken under a row lock on
    the year's counter, so they never repeat and never skip under concurrent exports; the unique
    constraints on (kind, year, number) and (kind, key) hold it in the database too."""
    existing = DocumentNumber.objects.filter(kind=kind, key=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        DocumentCounter.objects.get_or_create(kind=kind, year=document_date.year)
        counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=document_date.year)
        # Re-read under the lock: a concurrent export of the same document may have just won.
        existing = DocumentNumber.objects.filter(kind=kind, key=key).first()
        if existing is not None:
            return existing
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return DocumentNumber.objects.create(
            kind=kind,
            key=key,
            year=document_date.year,
            number=counter.last_number,
            document_date=document_date,
            created_by=actor,
        )
