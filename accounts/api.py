"""/api/v1/departments: the directory of departments an issue can be handed to (责任单位 / 协办单位).

Read-only. Every signed-in caller may list them — the liaison who needs the id of an assisting
department as much as the system that hands off issues — because these are public bodies whose
names are printed on every 交办函; the commission's own enterprise contacts and inactive units are
not listed.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.models import RECTIFYING_KINDS, Department
from accounts.serializers import DepartmentRefSerializer
from core.api import API_LOOKUP, StrictQueryParamsMixin, error_responses


class DepartmentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=[(kind.value, kind.label) for kind in RECTIFYING_KINDS], help_text="单位类型 / kind"
    )
    q = django_filters.CharFilter(method="filter_q", help_text="名称或简称关键字 / name or short name contains")

    class Meta:
        model = Department
        fields = ["kind"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(short_name__icontains=value)


def department_list_for_handoff():
    return Department.objects.rectifying()


@extend_schema_view(
    list=extend_schema(
        summary="单位列表 / List departments",
        description="可作为责任单位或协办单位的在用单位（市直部门、县区政府、派驻纪检监察组、县级纪委监委），"
        "任何已登录用户可读。/ Active departments an issue can be handed to; readable by every signed-in caller.",
        responses={200: DepartmentRefSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="单位详情 / Department detail",
        description="不在列表中的单位返回 404。/ A department outside the directory answers 404.",
        responses={200: DepartmentRefSerializer, **error_responses(404)},
    ),
)
class DepartmentViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = DepartmentRefSerializer
    filterset_class = DepartmentFilter
    ordering_fields = ["name", "kind"]
    ordering = ["kind", "name"]

    def get_queryset(self):
        return department_list_for_handoff()
