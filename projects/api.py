"""/api/v1/projects and /api/v1/groups: read-only, scoped by projects.selectors."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api import API_LOOKUP, IdFilter, StrictBooleanFilter, StrictQueryParamsMixin, error_responses
from projects.models import GroupMembership, Project, SupervisionGroup
from projects.selectors import group_list_visible_to, project_list_visible_to
from projects.serializers import GroupSerializer, ProjectDetailSerializer, ProjectSerializer


class ProjectFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Project.Stage.choices, help_text="项目阶段 / stage")
    county = django_filters.CharFilter(help_text="所在县区 / county")
    is_archived = StrictBooleanFilter(help_text="已归档 / archived")
    q = django_filters.CharFilter(method="filter_q", help_text="名称关键字 / name contains")

    class Meta:
        model = Project
        fields = ["stage", "county", "is_archived"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


@extend_schema_view(
    list=extend_schema(
        summary="项目列表 / List projects",
        description="当前用户可见的重大投资项目（领导、管理员：全部；督导人员：所在督导组及有效授权的项目；"
        "部门联络员：无）。/ Major projects the caller may see.",
        responses={200: ProjectSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="项目详情 / Project detail",
        description="项目及其手续环节、要素保障；不在范围内返回 404。/ A project with its procedure stages and "
        "factor guarantees; outside the caller's scope answers 404.",
        responses={200: ProjectDetailSerializer, **error_responses(404)},
    ),
)
class ProjectViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    ordering_fields = ["name", "investment", "created_at"]
    ordering = ["-investment", "name"]

    def get_queryset(self):
        projects = project_list_visible_to(user=self.request.user)
        if self.action == "retrieve":
            projects = projects.prefetch_related("stages", "factors")
        return projects

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer


class GroupFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter(help_text="在岗 / active")
    project = IdFilter(field_name="projects", help_text="督导的项目 id / follows project id")

    class Meta:
        model = SupervisionGroup
        fields = ["is_active", "project"]


@extend_schema_view(
    list=extend_schema(
        summary="督导组列表 / List supervision groups",
        description="领导、管理员看到全部督导组；督导人员看到自己所在的组；部门联络员无。/ Groups the caller "
        "may see: all for leaders and admins, their own for inspectors.",
        responses={200: GroupSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="督导组详情 / Supervision group detail",
        description="成员、督导项目和“1+2”协同单位。/ Members, projects and partner units.",
        responses={200: GroupSerializer, **error_responses(404)},
    ),
)
class GroupViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = GroupSerializer
    filterset_class = GroupFilter
    ordering_fields = ["name", "formed_on"]
    ordering = ["name"]

    def get_queryset(self):
        return group_list_visible_to(user=self.request.user).prefetch_related(
            "projects",
            "partners__department",
            Prefetch("memberships", queryset=GroupMembership.objects.select_related("user")),
        )
