"""/api/v1/talks (read-only): 约谈 and 提醒谈话 with their follow-up commitments."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api import API_LOOKUP, IdFilter, StrictQueryParamsMixin, error_responses
from talks.models import Talk, TalkKind
from talks.selectors import talk_list_with_commitments
from talks.serializers import TalkSerializer


class TalkFilter(django_filters.FilterSet):
    department = IdFilter(field_name="department_id", help_text="谈话单位 id / department id")
    group = IdFilter(field_name="group_id", help_text="督导组 id / group id")
    kind = django_filters.ChoiceFilter(choices=TalkKind.choices)
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", help_text="谈话日期起 / from")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", help_text="谈话日期止 / to")

    class Meta:
        model = Talk
        fields = ["department", "group", "kind", "held_from", "held_to"]


@extend_schema_view(
    list=extend_schema(
        summary="约谈记录列表 / List talks",
        description="领导、管理员看到全部；督导组成员看到本组开展的和涉及其督导项目问题的谈话；部门联络员只看到与本单位的谈话。"
        "/ Leaders and admins: all talks; inspectors: talks held for their groups or linked to issues of projects "
        "they inspect; a liaison: the talks with his own department only.",
        responses={200: TalkSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="约谈记录详情 / Talk detail",
        description="谈话事由、当时的红黑榜位置、相关问题（仅调用者可查看的）、谈话要求及承诺事项；不在范围内返回 404。"
        "/ Reason, the department's 红黑榜 place at the time, linked issues the caller may read, what was agreed "
        "and the follow-up commitments with their working-day deadlines. Out of scope: 404.",
        responses={200: TalkSerializer, **error_responses(404)},
    ),
)
class TalkViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = TalkSerializer
    filterset_class = TalkFilter
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        return talk_list_with_commitments(user=self.request.user)
