"""/api/v1/meetings (read-only)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api import API_LOOKUP, IdFilter, StrictQueryParamsMixin, error_responses
from dispatch.models import Decision, DispatchMeeting
from dispatch.selectors import meeting_list_visible_to
from dispatch.serializers import MeetingSerializer


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
