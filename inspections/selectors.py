"""Scoped reads of site visits and their attachments: a visit is visible exactly when its project is."""

from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from inspections.models import Finding, SiteVisit, VisitAttachment
from projects.models import Project
from projects.selectors import project_list_visible_to


def visit_list_visible_to(*, user: User) -> QuerySet[SiteVisit]:
    """Visits of the projects the user may see (projects.selectors decides), archived ones excluded."""
    return SiteVisit.objects.filter(
        project__in=project_list_visible_to(user=user).values("pk"), is_archived=False
    ).select_related("project", "created_by")


def visit_get_for_user(*, user: User, pk: int) -> SiteVisit:
    """The visit with its findings (and the issue each became), attachments and inspectors, or Http404."""
    visits = visit_list_visible_to(user=user).prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("issue").order_by("position", "pk")),
        Prefetch("attachments", queryset=VisitAttachment.objects.select_related("uploaded_by")),
        "inspectors",
    )
    try:
        return visits.get(pk=pk)
    except (SiteVisit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visit_list_for_project(*, project: Project) -> QuerySet[SiteVisit]:
    """A project's visits, newest first, with finding/photo counts computed in SQL.
    The caller has already checked the project is visible."""
    return (
        SiteVisit.objects.filter(project=project, is_archived=False)
        .select_related("created_by")
        .annotate(
            finding_count=Count("findings", distinct=True),
            attachment_count=Count("attachments", distinct=True),
            photo_count=Count("attachments", filter=Q(attachments__content_type__startswith="image/"), distinct=True),
        )
        .order_by("-visited_on", "-pk")
    )


def visit_attachment_get_for_user(*, user: User, pk: int) -> VisitAttachment:
    """The attachment if the user may see its visit's project, else Http404."""
    try:
        return VisitAttachment.objects.select_related("visit").get(
            pk=pk, visit__in=visit_list_visible_to(user=user).values("pk")
        )
    except (VisitAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def finding_get_for_user(*, user: User, pk: int) -> Finding:
    """A finding of a visible visit, or Http404 (the hand-off form starts from one)."""
    try:
        return Finding.objects.select_related("visit", "visit__project").get(
            pk=pk, visit__in=visit_list_visible_to(user=user).values("pk")
        )
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visit_has_issues(*, visit: SiteVisit) -> bool:
    """Whether an issue came from the visit: such a visit can no longer be archived. One query:
    the hand-off service sets source_visit for an issue made from a finding too."""
    return visit.issues.exists()


def visit_get_by_device_id(*, user: User, device_id: uuid.UUID) -> SiteVisit | None:
    """The visit this user recorded from the offline draft `device_id`, if any (archived too:
    a replayed draft must find it, not make a second one)."""
    return SiteVisit.objects.filter(created_by=user, device_id=device_id).first()
