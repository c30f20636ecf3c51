"""Scoped reads of export jobs: a job is its owner's alone; anyone else (and a missing job) 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from reports.models import ExportJob

EXPORT_LIST_LIMIT = 50


def export_job_list_for(*, user: User) -> QuerySet[ExportJob]:
    """The user's own export jobs, newest first."""
    return ExportJob.objects.filter(owner_id=user.pk).order_by("-created_at", "-id")


def export_job_get_for_user(*, user: User, pk: int) -> ExportJob:
    """The user's own job or Http404: 'missing' and 'someone else's' answer the same."""
    job = export_job_list_for(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
