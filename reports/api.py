"""/api/v1/summaries/{yyyy}-{mm}: the monthly dispatch summary, live or frozen."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictQueryParamsMixin, error_responses
from reports.figures import Month, summary_scope_pick, summary_scopes_for
from reports.serializers import SummarySerializer
from reports.services import summary_for


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
