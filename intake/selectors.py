"""Scoped reads of import batches: a batch is its uploader's (404 for anyone else, missing alike)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from intake.models import ImportBatch, ImportLetter, ImportRow

ROW_FILTERS = ("all", "errors", "valid")


def batch_list_for(*, user: User) -> QuerySet[ImportBatch]:
    """The user's own batches, newest first (an inspector sees what he uploaded)."""
    if not user.is_authenticated or not user.is_inspector:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(uploaded_by=user).order_by("-uploaded_at", "-id")


def batch_get_for_user(*, user: User, pk: int) -> ImportBatch:
    try:
        return batch_list_for(user=user).select_related("uploaded_by").get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def batch_rows(*, batch: ImportBatch, show: str = "all") -> QuerySet[ImportRow]:
    """The batch's rows in sheet order: all, only those with errors, or only the valid ones."""
    rows = ImportRow.objects.filter(batch=batch).select_related("issue").order_by("number")
    if show == "errors":
        return rows.filter(is_valid=False)
    if show == "valid":
        return rows.filter(is_valid=True)
    return rows


def batch_letters(*, batch: ImportBatch) -> QuerySet[ImportLetter]:
    return ImportLetter.objects.filter(batch=batch).select_related("department", "number").order_by("department__name")
