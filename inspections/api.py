"""/api/v1/visits: site visits with their findings, read-only, scoped through the visible projects."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api import API_LOOKUP, IdFilter, StrictBooleanFilter, StrictQueryParamsMixin, error_responses
from inspections.models import Finding, SiteVisit
from inspections.serializers import SiteVisitSerializer
from projects.selectors import project_list_visible_to


class VisitFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", help_text="项目 id / project id")
    visited_from = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", help_text="起始日期 / from")
    visited_to = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", help_text="截止日期 / to")
    is_recheck = StrictBooleanFilter(help_text="回头看 / re-check visit")

    class Meta:
        model = SiteVisit
        fields = ["project", "visited_from", "visited_to", "is_recheck"]


def visit_list_visible_to(*, user):
    """Visits of the projects the user may see (inspectors, leaders, admins); archived ones hidden."""
    return (
        SiteVisit.objects.filter(project__in=project_list_visible_to(user=user).values("pk"), is_archived=False)
        .select_related("created_by")
        .prefetch_related(
            "inspectors",
            "attachments",
            Prefetch("findings", queryset=Finding.objects.select_related("issue")),
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="督导检查记录 / List site visits",
        description="可见项目的检查记录，含检查发现（诉求、难点、堵点、期盼点）。/ Site visits of the projects "
        "the caller may see, with their findings.",
        responses={200: SiteVisitSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="检查记录详情 / Site visit detail",
        description="不在范围内返回 404。/ Outside the caller's scope answers 404.",
        responses={200: SiteVisitSerializer, **error_responses(404)},
    ),
)
class VisitViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = SiteVisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visited_on", "created_at"]
    ordering = ["-visited_on", "-id"]

    def get_queryset(self):
        return visit_list_visible_to(user=self.request.user)
