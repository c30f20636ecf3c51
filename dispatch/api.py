"""/api/v1/meetings (read-only) and /api/v1/summaries/{yyyy}-{mm}."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import API_LOOKUP, IdFilter, StrictQueryParamsMixin, error_responses
from dispatch.figures import Month, summary_scope_pick, summary_scopes_for
from dispatch.models import Decision, DispatchMeeting
from dispatch.selectors import meeting_list_visible_to
from dispatch.serializers import MeetingSerializer, SummarySerializer
from dispatch.summary_services import summary_for


class MeetingFilter(django_filters.FilterSet):
    group = IdFilter(field_name="group_id", help_text="督导组 id / group id")
    status = django_filters.ChoiceFilter(choices=DispatchMeeting.Status.choices)
    month = django_filters.DateFilter(help_text="所属月份（该月第一天）/ first day of the month")

    class Meta:
        model = DispatchMeeting
        fields = ["group", "status", "month"]


@extend_schema_view(
    list=extend_schema(
        summary="调度会列表 / List dispatch meetings",
        description="督导组成员看到本组的调度会，受邀单位的联络员看到邀请本单位的调度会，领导、管理员看到全部。"
        "/ Meetings of the caller's groups, meetings the caller's department is invited to; all for leaders "
        "and admins.",
        responses={200: MeetingSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="调度会详情 / Dispatch meeting detail",
        description="议程快照、纪要和会议决定；不在范围内返回 404。/ Agenda snapshot, minutes and decisions.",
        responses={200: MeetingSerializer, **error_responses(404)},
    ),
)
class MeetingViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["starts_at", "month"]
    ordering = ["-starts_at"]

    def get_queryset(self):
        return meeting_list_visible_to(user=self.request.user).prefetch_related(
            "attendees",
            "attending_departments",
            Prefetch("decisions", queryset=Decision.objects.select_related("responsible_department")),
        )


class SummaryView(StrictQueryParamsMixin, APIView):
    extra_query_params = ("scope",)

    @extend_schema(
        summary="月度调度汇总 / Monthly dispatch summary",
        description="本月为实时数据；已结束的月份返回冻结快照（首次读取时冻结），读出后不再变化。领导、管理员可读全市"
        "（scope=all）及各组，督导人员可读本组（scope=group-<id>）。未来月份或无权范围返回 404。/ The current month "
        "live, a closed month frozen. Leaders read the city and every group, inspectors their groups.",
        parameters=[
            OpenApiParameter(
                "yyyy_mm",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=r"^\d{4}-\d{2}$",
                description="月份 / month, e.g. 2026-11",
            ),
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                pattern=r"^(all|group-[0-9]+)$",
                description="all 或 group-<id>，缺省为第一个可读范围 / default: the first readable scope",
            ),
        ],
        responses={200: SummarySerializer, **error_responses(404)},
    )
    def get(self, request, yyyy_mm: str):
        try:
            month = Month.parse(yyyy_mm)
        except ValueError:
            raise Http404 from None
        scopes = summary_scopes_for(user=request.user)
        scope = summary_scope_pick(scopes=scopes, wanted=request.query_params.get("scope"))
        if scope is None:
            raise Http404
        try:
            summary = summary_for(month=month, scope=scope)
        except ValueError:
            raise Http404 from None  # a future month has no summary
        return Response(
            {
                "month": str(month),
                "scope": {"key": scope.key, "label": scope.label},
                "available_scopes": [{"key": s.key, "label": s.label} for s in scopes],
                "live": summary.live,
                "frozen_at": summary.frozen.frozen_at if summary.frozen else None,
                "narrative": summary.narrative,
                "figures": summary.figures,
            }
        )
