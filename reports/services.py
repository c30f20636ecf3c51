"""Writes of the monthly dispatch summary: freezing a closed month, and reading a month the one
right way (frozen snapshot for a closed month, live figures for the current one); the numbers of
the official documents (发文字号)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from dispatch.models import MonthlySummary
from reports.figures import Month, ReportScope, current_month, freeze_scopes, monthly_figures
from reports.models import DocumentCounter, DocumentKind, DocumentNumber
from reports.narrative import summary_narrative


@dataclass
class SummaryView:
    figures: dict
    narrative: str
    frozen: MonthlySummary | None  # None: the current month, live

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
        narrative = summary_narrative(figures)
    try:
        # A savepoint: a concurrent freezer winning the unique constraint must not break our transaction.
        with transaction.atomic():
            return MonthlySummary.objects.create(
                month=month.first_day, scope_key=scope.key, figures=figures, narrative=narrative
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


def summary_for(*, month: Month, scope: ReportScope) -> SummaryView:
    """The current month: live figures. A closed month: its frozen snapshot — frozen now, on first
    read, if the beat task has not done it yet (e.g. a month from before the system ran)."""
    today = timezone.localdate()
    if month > Month.of(today):
        raise ValueError("a future month has no summary")
    if month == Month.of(today):
        figures = monthly_figures(month=month, scope=scope, today=today)
        return SummaryView(figures=figures, narrative=summary_narrative(figures), frozen=None)
    frozen = _freeze_one(month=month, scope=scope)
    return SummaryView(figures=frozen.figures, narrative=frozen.narrative, frozen=frozen)


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
