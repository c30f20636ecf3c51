"""/api/v1/visits: site visits with their findings, scoped by inspections.selectors; inspectors of
the project record new ones through inspections.services."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from core.api import (
    API_LOOKUP,
    ApiForbidden,
    IdFilter,
    StrictBooleanFilter,
    StrictQueryParamsMixin,
    error_responses,
)
from core.api_files import FileDownloadView, file_responses
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from inspections.models import Finding, SiteVisit
from inspections.selectors import visit_attachment_get_for_user, visit_list_visible_to
from inspections.serializers import SiteVisitCreateSerializer, SiteVisitSerializer
from inspections.services import site_visit_create
from projects.selectors import project_list_visible_to


class VisitFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", help_text="项目 id / project id")
    visited_from = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", help_text="起始日期 / from")
    visited_to = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", help_text="截止日期 / to")
    is_recheck = StrictBooleanFilter(help_text="回头看 / re-check visit")

    class Meta:
        model = SiteVisit
        fields = ["project", "visited_from", "visited_to", "is_recheck"]


@extend_schema_view(
    list=extend_schema(
        summary="督导检查记录 / List site visits",
        description="可见项目的检查记录，含检查发现（诉求、难点、堵点、期盼点）。/ Site visits of the projects "
        "the caller may see, with their findings.",
        responses={200: SiteVisitSerializer(many=True), **error_responses(400, 404)},
    ),
    create=extend_schema(
        summary="记录督导检查 / Record a site visit",
        description="本项目的督导人员记录一次检查及其发现（JSON；照片和附件在网页上传）。其他角色 403。"
        "/ An inspector of the project records a visit with its findings (JSON; files are added on the web).",
        request=SiteVisitCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: SiteVisitSerializer, **error_responses(403, 409)},
    ),
    retrieve=extend_schema(
        summary="检查记录详情 / Site visit detail",
        description="不在范围内返回 404。/ Outside the caller's scope answers 404.",
        responses={200: SiteVisitSerializer, **error_responses(404)},
    ),
)
class VisitViewSet(StrictQueryParamsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = SiteVisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visited_on", "created_at"]
    ordering = ["-visited_on", "-id"]

    parser_classes = [JSONParser]

    def get_queryset(self):
        return visit_list_visible_to(user=self.request.user).prefetch_related(
            "inspectors", "attachments", Prefetch("findings", queryset=Finding.objects.select_related("issue"))
        )

    @idempotent
    def create(self, request, *args, **kwargs):
        if not request.user.is_inspector:
            raise ApiForbidden(_("只有督导人员可以记录督导检查。"), code="permission_denied")
        serializer = SiteVisitCreateSerializer(data=request.data, projects=project_list_visible_to(user=request.user))
        serializer.is_valid(raise_exception=True)
        visit = site_visit_create(actor=request.user, **serializer.validated_data)
        return Response(SiteVisitSerializer(self.get_queryset().get(pk=visit.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="下载走访附件 / Download a visit attachment",
    description="走访记录所附的照片或文件原件（走访详情 attachments 中的 download_url）。能查看该项目的用户可下载，"
    "否则 404。/ A photo or file of a site visit, for callers who may read its project.",
    responses=file_responses(),
)
class VisitAttachmentFileView(FileDownloadView):
    def get_file(self, request, pk: int):
        return visit_attachment_get_for_user(user=request.user, pk=pk)
