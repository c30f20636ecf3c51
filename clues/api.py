"""/api/v1/clues (read-only): the same scope as the pages (clues.selectors). A caller who may see
no clue at all — a department liaison — gets 404 on the list too: for him clues do not exist."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets

from clues.models import Clue, ClueEvent, ClueSource, ClueStatus, ClueSubject
from clues.selectors import clue_list_visible_to, clue_scope_q, user_may_see_clues
from clues.serializers import ClueDetailSerializer, ClueListSerializer
from core.api import API_LOOKUP, IdFilter, StrictQueryParamsMixin, error_responses


class ClueFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", help_text="项目 id / project id")
    status = django_filters.ChoiceFilter(choices=ClueStatus.choices)
    source = django_filters.ChoiceFilter(choices=ClueSource.choices)

    class Meta:
        model = Clue
        fields = ["project", "status", "source"]


@extend_schema_view(
    list=extend_schema(
        summary="问题线索列表 / List clues",
        description="领导、管理员看到全部问题线索，督导组成员看到本人督导项目的问题线索；部门联络员无权查看（404）。"
        "/ Leaders and admins: every clue; inspectors: their projects' clues; department liaisons: 404.",
        responses={200: ClueListSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="问题线索详情 / Clue detail",
        description="涉及人员及处理结果、处置记录、当前可执行的处置步骤；不在范围内返回 404。"
        "/ People concerned with their outcome, the timeline, the steps the caller may take now.",
        responses={200: ClueDetailSerializer, **error_responses(401, 404)},
    ),
)
class ClueViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    filterset_class = ClueFilter
    ordering_fields = ["created_at", "received_on"]
    ordering = ["-created_at"]

    def get_serializer_class(self):
        return ClueDetailSerializer if self.action == "retrieve" else ClueListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's introspection
            return Clue.objects.none()
        if not user_may_see_clues(user=self.request.user):
            raise exceptions.NotFound  # the list too: for a liaison clues do not exist
        if self.action != "retrieve":
            return clue_list_visible_to(user=self.request.user)
        clues = (
            Clue.objects.select_related("project", "created_by")
            .prefetch_related(
                Prefetch("subjects", queryset=ClueSubject.objects.select_related("department")),
                Prefetch("events", queryset=ClueEvent.objects.select_related("actor")),
            )
            .annotate(subject_count=Count("subjects", distinct=True))
        )
        scope = clue_scope_q(user=self.request.user)
        return clues if scope is None else clues.filter(scope)
