"""/api/v1/visits: site visits with their findings, scoped by inspections.selectors; inspectors of
the project record new ones through inspections.services."""

from __future__ import annotations

import uuid

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import (
    API_LOOKUP,
    ApiConflict,
    ApiForbidden,
    IdFilter,
    StrictBooleanFilter,
    StrictQueryParamsMixin,
    error_responses,
)
from core.api_files import FileDownloadView, file_responses
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.parsers import JSONParser
from inspections.models import Finding, SiteVisit
from inspections.selectors import visit_attachment_get_for_user, visit_get_by_device_id, visit_list_visible_to
from inspections.serializers import (
    SiteVisitCreateSerializer,
    SiteVisitSerializer,
    VisitAttachmentSerializer,
    VisitPhotoInputSerializer,
)
from inspections.services import (
    DeviceDraftConflict,
    site_visit_create,
    site_visit_record_draft,
    visit_photo_put,
    visit_photo_require_recorder,
)
from projects.models import Project
from projects.selectors import project_list_visible_to

REPLAY_HEADER = "Dudao-Replayed"

_DEVICE_DOC = (
    "\n\n**离线草稿（device_id）**：现场无信号时记录的草稿带设备生成的 UUID `device_id`，这是检查记录自身的自然键，"
    "按用户唯一。同一用户再次提交同一编号、相同内容（丢失的应答、两个标签页、崩溃后重试），不再新建，返回第一次创建的记录，"
    "状态 200，响应头 `Dudao-Replayed: true`；同一编号、不同内容返回 409（code `device_id_conflict`）。"
    "草稿的照片数写在 `photo_count`，照片随后逐张 `PUT /api/v1/visits/{id}/photos/{index}/`；所有照片都返回 2xx 后，"
    "草稿才算同步完成。它与通用的 `Idempotency-Key` 请求头（若接口提供）相互独立：device_id 属于记录本身，"
    "跨设备会话、跨重新登录都有效。"
    "\n\n**Offline drafts (device_id)**: a draft recorded without a signal carries the UUID its device made, "
    "`device_id`, the visit's own natural key, unique per user. Sending the same id with the same content again "
    "(lost answer, two tabs, retry after a crash) creates nothing and answers the first visit with 200 and "
    "`Dudao-Replayed: true`; the same id with different content is a 409 (code `device_id_conflict`). The draft "
    "declares `photo_count`; each photo is then PUT to `/api/v1/visits/{id}/photos/{index}/`, and the draft is "
    "synced once every photo answered 2xx. This is separate from the generic `Idempotency-Key` request header "
    "(where an endpoint offers it): device_id belongs to the record and holds across sessions and new logins."
)


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
        description="本项目的督导人员记录一次检查及其发现（JSON；照片和附件在网页上传，离线草稿的照片见下）。其他角色 403。"
        "/ An inspector of the project records a visit with its findings (JSON; files are added on the web, "
        "an offline draft's photos as below)." + _DEVICE_DOC,
        request=SiteVisitCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: SiteVisitSerializer,
            200: OpenApiResponse(SiteVisitSerializer, description="同一离线草稿再次提交：第一次创建的记录 / replay"),
            **error_responses(403, 409),
        },
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
        return self._with_details(visit_list_visible_to(user=self.request.user))

    @idempotent
    def create(self, request, *args, **kwargs):
        if not request.user.is_inspector:
            raise ApiForbidden(_("只有督导人员可以记录督导检查。"), code="permission_denied")
        projects = project_list_visible_to(user=request.user)
        replayed = self._draft_already_recorded(request)
        if replayed is not None:
            # A replay must reach the first answer even if the sender lost the project meanwhile.
            projects = Project.objects.filter(Q(pk__in=projects.values("pk")) | Q(pk=replayed.project_id))
        serializer = SiteVisitCreateSerializer(data=request.data, projects=projects)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        device_id, photo_count = values.pop("device_id"), values.pop("photo_count")
        try:
            if device_id is None:
                visit, created = site_visit_create(actor=request.user, **values), True
            else:
                visit, created = site_visit_record_draft(
                    actor=request.user, device_id=device_id, photo_count=photo_count, **values
                )
        except PermissionDenied as error:
            raise ApiForbidden(str(error), code="permission_denied") from None
        except DeviceDraftConflict as error:
            raise ApiConflict(error.messages[0], code="device_id_conflict") from None
        body = SiteVisitSerializer(self._with_details(SiteVisit.objects.filter(pk=visit.pk)).get()).data
        if created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={REPLAY_HEADER: "true"})

    def _draft_already_recorded(self, request) -> SiteVisit | None:
        raw = request.data.get("device_id") if isinstance(request.data, dict) else None
        try:
            device_id = uuid.UUID(raw) if isinstance(raw, str) else None
        except ValueError:
            return None  # the serializer reports it
        return visit_get_by_device_id(user=request.user, device_id=device_id) if device_id else None

    @staticmethod
    def _with_details(visits):
        return visits.select_related("project", "created_by").prefetch_related(
            "inspectors", "attachments", Prefetch("findings", queryset=Finding.objects.select_related("issue"))
        )

    @extend_schema(
        summary="上传离线草稿照片 / Upload one photo of an offline draft",
        description="离线草稿同步为检查记录后，逐张上传其照片（multipart，字段 file），以记录 id 和照片序号（0 起，"
        "小于 photo_count）为键：同一张照片重复上传返回已存的附件（200，`Dudao-Replayed: true`），不同照片 409。"
        "连接中断时只需重传未成功的那一张。仅记录人可上传。/ After an offline draft became a visit, its photos are "
        "uploaded one request each (multipart field `file`), keyed by visit id and photo index (from 0, below "
        "photo_count): the same photo sent again answers the stored attachment (200, `Dudao-Replayed: true`), "
        "another photo at that index is a 409. A dropped connection costs one photo's resend. The recorder only.",
        parameters=[OpenApiParameter("index", OpenApiTypes.INT, OpenApiParameter.PATH, description="照片序号 / index")],
        request={"multipart/form-data": VisitPhotoInputSerializer},
        responses={
            201: VisitAttachmentSerializer,
            200: OpenApiResponse(VisitAttachmentSerializer, description="同一照片再次上传 / replay"),
            **error_responses(403, 404, 409, 413),
        },
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"photos/(?P<index>[^/]+)",
        url_name="photo",
        parser_classes=[MultiPartParser, FormParser],
    )
    def photo(self, request, pk=None, index=None):
        if not str(index).isdigit() or len(str(index)) > 3:
            raise Http404
        visit = self.get_object()
        try:
            visit_photo_require_recorder(visit=visit, actor=request.user)  # before the body is read
            serializer = VisitPhotoInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            attachment, created = visit_photo_put(
                visit=visit, actor=request.user, index=int(index), upload=serializer.validated_data["file"]
            )
        except PermissionDenied as error:
            raise ApiForbidden(str(error), code="permission_denied") from None
        except DeviceDraftConflict as error:
            raise ApiConflict(error.messages[0], code="photo_conflict") from None
        body = VisitAttachmentSerializer(attachment).data
        if created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={REPLAY_HEADER: "true"})


@extend_schema(
    summary="下载走访附件 / Download a visit attachment",
    description="走访记录所附的照片或文件原件（走访详情 attachments 中的 download_url）。能查看该项目的用户可下载，"
    "否则 404。/ A photo or file of a site visit, for callers who may read its project.",
    responses=file_responses(),
)
class VisitAttachmentFileView(FileDownloadView):
    def get_file(self, request, pk: int):
        return visit_attachment_get_for_user(user=request.user, pk=pk)
