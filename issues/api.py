"""/api/v1/issues: the ledger, hand-off, progress updates and transitions.

Reads come from issues.selectors (out of scope = 404), filters from the ledger's IssueFilter, and
each write is one call to issues.services. Workflow errors become the API's status codes here:
permission -> 403, invalid input -> 400 under the field, a lost race or a stale version -> 409.
Writes take an Idempotency-Key (core.idempotency): a retry answers the first result.
"""

from __future__ import annotations

import copy
import hashlib

import django_filters
from django.core.cache import cache
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import parse_etags
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api import (
    API_LOOKUP,
    IdFilter,
    StrictQueryParamsMixin,
    error_responses,
)
from core.api_files import FileDownloadView, file_responses
from core.dataversion import (
    CACHE_SECONDS,
    CALENDAR,
    LIST_ROWS,
    SCOPE,
    CountedRows,
    count_domains,
    data_versions,
    query_pairs,
    scoped_cache_key,
    versions_key,
)
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.months import MONTH_REGEX
from core.parsers import JSONParser
from inspections.selectors import visit_list_visible_to
from issues import services
from issues.filters import IssueFilter, filtered_total, issue_rows_by_id, searches_text
from issues.lights import light_annotation
from issues.models import EvidenceFile, EvidenceReview, ExtensionRequest, Issue, IssueEvent, Light, ProgressUpdate
from issues.rules import allowed_actions, check_hand_off
from issues.selectors import evidence_get_for_user, issue_get_for_user, issue_list_visible_to
from issues.serializers import (
    TRANSITIONS_DESCRIPTION,
    AllowedActionsSerializer,
    IssueCreateSerializer,
    IssueDetailSerializer,
    IssueListSerializer,
    ProgressCreateSerializer,
    ProgressUpdateSerializer,
    TransitionSerializer,
)
from issues.workflow import API_ACTIONS, step_for
from projects.selectors import project_list_visible_to

# The columns of one ledger row, read with values(): no model instances, no per-row Python
# beyond a dict, which is where most of a straightforward ModelSerializer list's time goes.
LIST_COLUMNS = (
    "id",
    "code",
    "title",
    "project_id",
    "project__name",
    "category",
    "severity",
    "status",
    "lead_department_id",
    "lead_department__name",
    "lead_department__short_name",
    "lead_department__kind",
    "handed_off_at",
    "sign_deadline",
    "rectification_deadline",
    "progress_percent",
    "version",
    "light_code",
)


def _row(values: dict) -> dict:
    light = values["light_code"]
    return {
        "id": values["id"],
        "code": values["code"],
        "title": values["title"],
        "project": values["project_id"],
        "project_name": values["project__name"],
        "category": values["category"],
        "severity": values["severity"],
        "status": values["status"],
        # the same nested shape as the detail (accounts.serializers.DepartmentRefSerializer)
        "lead_department": {
            "id": values["lead_department_id"],
            "name": values["lead_department__name"],
            "short_name": values["lead_department__short_name"],
            "kind": values["lead_department__kind"],
        },
        "handed_off_at": timezone.localtime(values["handed_off_at"]).isoformat(),
        "sign_deadline": values["sign_deadline"].isoformat(),
        "rectification_deadline": values["rectification_deadline"].isoformat(),
        "progress_percent": values["progress_percent"],
        "version": values["version"],
        "light": light,
        # red is exactly "department still owes work and the deadline passed" (issues.lights)
        "is_overdue": light == Light.RED.value,
    }


def _ordering_pattern() -> str:
    names = "|".join(sorted(IssueFilter.base_filters["ordering"].param_map))
    return rf"^-?({names})(,-?({names}))*$"


def _month(name: str, description: str):
    return extend_schema_field({"type": "string", "pattern": MONTH_REGEX, "description": description})(
        copy.deepcopy(IssueFilter.base_filters[name])
    )


class _OrderingParam(django_filters.CharFilter):
    """A typed parameter: present but empty is an error (see StrictQueryParamsMixin)."""


class IssueApiFilter(IssueFilter):
    """The ledger's filters under the same names. project and lead_department take a plain id:
    an id outside the caller's scope (or unknown) simply matches nothing, as any other filter
    value does, instead of revealing whether such a row exists."""

    project = IdFilter(field_name="project_id", help_text="所属项目 id / project id")
    group = IdFilter(method="filter_group", help_text="督导组 id / supervision group id")
    # The ledger's own month and ordering filters, documented with their exact formats.
    month = _month("month", "交办月份 yyyy-mm / handed off in month")
    closed_month = _month("closed_month", "销号月份 yyyy-mm / closed in month")
    withdrawn_month = _month("withdrawn_month", "撤销月份 yyyy-mm / withdrawn in month")
    ordering = extend_schema_field(
        {"type": "string", "pattern": _ordering_pattern(), "description": "排序，逗号分隔，前缀 - 为倒序 / ordering"}
    )(_OrderingParam(method="filter_ordering", validators=[RegexValidator(_ordering_pattern())]))

    def filter_ordering(self, queryset, name, value):
        # One comma-separated string (not the ledger's list form) so the schema can state it
        # exactly; the ledger's own OrderingFilter maps the names, so both order alike.
        return IssueFilter.base_filters["ordering"].filter(queryset, value.split(","))

    lead_department = IdFilter(field_name="lead_department_id", help_text="责任单位 id / lead department id")


class _FilterBackend(DjangoFilterBackend):
    """The ledger's filter backend, leaving the bound filterset on the view: the list's total is
    read through it (issues.filters.filtered_total)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        filterset.data_versions = getattr(view, "data_versions", None)  # as the list read them
        view.filterset = filterset
        return filterset


# What only orders or pages the list: the total is the same whatever they say.
COUNT_IGNORES = ("page", "page_size", "ordering")


def _json_page(body: bytes, etag: str | None, request) -> HttpResponse:
    """The page as JSON with its ETag; a client that already holds it gets 304 and no body."""
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    if etag is not None and ("*" in wanted or etag in wanted or f"W/{etag}" in wanted):
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        del response["Content-Type"]  # no body, so no type (RFC 9110 15.4.5)
    else:
        response = HttpResponse(body, content_type="application/json")
    if etag is not None:
        response["ETag"] = etag
    # The rows belong to this caller: no shared cache may keep them, and a client re-asks each time.
    response["Cache-Control"] = "private, no-cache"
    return response


def _row_key(pk: int, version: int, versions: dict[str, int]) -> str:
    """Where a formatted list row is kept (see _rows_by_id)."""
    day = timezone.localdate().isoformat()
    return f"api-issue-row:{pk}:{version}:{day}:{versions_key(versions, CALENDAR)}:{versions_key(versions, SCOPE)}"


def _keep_rows(rows: list[dict], versions: dict[str, int]) -> None:
    cache.set_many({_row_key(row["id"], row["version"], versions): row for row in rows}, CACHE_SECONDS)


def _rows_by_id(ids: list[int], *, versions: dict[str, int]) -> list[dict]:
    """The list rows of these issues, in this order: a page whose members were kept in the cache
    (IssueViewSet.list). No scope here: the ids were chosen under the caller's scope, and the key
    they are kept under follows the scope's data version.

    Each row is kept too, under its issue's version (every write to an issue counts it up, in
    issues.services and in the admin), the day and the calendar (its light) and the scope's
    version (the project's and departments' names): after a progress note the page reads its
    issues' versions and formats the one row that changed."""
    current = dict(Issue.objects.filter(pk__in=ids).values_list("pk", "version"))
    keys = {pk: _row_key(pk, current[pk], versions) for pk in ids if pk in current}
    kept = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in kept]
    if missing:
        issues = Issue.objects.annotate(
            light_code=light_annotation(today=timezone.localdate(), version=versions_key(versions, CALENDAR))
        )
        fresh = {row["id"]: _row(row) for row in issues.filter(pk__in=missing).order_by().values(*LIST_COLUMNS)}
        _keep_rows(list(fresh.values()), versions)  # each under the version it was read at
        kept.update({keys[pk]: row for pk, row in fresh.items()})
    return [kept[keys[pk]] for pk in ids if pk in keys]


def _detail_queryset(user):
    return (
        issue_list_visible_to(user=user)
        .select_related("close_proposed_by")
        .prefetch_related(
            "assisting_departments",
            Prefetch(
                "extension_requests", queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by")
            ),
            "instructions__leader",
            Prefetch("events", queryset=IssueEvent.objects.select_related("actor")),
        )
    )


def _detail(request, issue_pk: int) -> dict:
    issue = _detail_queryset(request.user).get(pk=issue_pk)
    context = {"request": request, "allowed_actions": allowed_actions(request.user, issue)}
    return IssueDetailSerializer(issue, context=context).data


@extend_schema_view(
    list=extend_schema(
        summary="问题台账 / Issue ledger",
        description="当前用户范围内的交办问题，筛选项与网页台账一致（q、project、lead_department、status、light、"
        "category、month、ordering）。领导、管理员：全部；督导人员：所督导项目的问题；部门联络员：本单位牵头或协办的问题。"
        "应答带 ETag：数据未变时携带 If-None-Match 再次请求得到 304。"
        "/ Issues in the caller's scope with the ledger's filters. Answers carry an ETag: asked again "
        "with If-None-Match while nothing changed, the answer is 304 Not Modified.",
        responses={200: IssueListSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="问题详情 / Issue detail",
        description="含协办单位、延期申请、领导批示、流转记录和当前用户可执行的操作；不在范围内返回 404。"
        "/ With assisting departments, extension requests, instructions, the event timeline and allowed actions.",
        responses={200: IssueDetailSerializer, **error_responses(404)},
    ),
    create=extend_schema(
        summary="交办问题 / Hand off an issue",
        description="督导人员把问题点对点交办给一个责任单位（可有协办单位）；时限缺省按工作日计算。"
        "/ An inspector of the project hands the issue off to one lead department.",
        request=IssueCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: IssueDetailSerializer, **error_responses(400, 403, 409)},
    ),
)
class IssueViewSet(StrictQueryParamsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = API_LOOKUP
    serializer_class = IssueDetailSerializer
    filter_backends = [_FilterBackend]
    filterset_class = IssueApiFilter
    parser_classes = [JSONParser]

    non_atomic_requests = True  # read by core.api.api_exception_handler

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # No transaction around the whole request (ATOMIC_REQUESTS): a read needs none, which saves a
        # polling client two round trips; each write opens its own (core.idempotency.idempotent),
        # holding the service call and the answer read back, so a committed write never answers 500.
        return transaction.non_atomic_requests(super().as_view(actions, **initkwargs))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return Issue.objects.none()
        if self.action == "list":
            versions = getattr(self, "data_versions", None)
            return issue_list_visible_to(user=self.request.user, listed=True, versions=versions).annotate(
                light_code=light_annotation(today=timezone.localdate(), version=versions_key(versions, CALENDAR))
            )
        return _detail_queryset(self.request.user)

    def list(self, request, *args, **kwargs):
        # JSON pages are cached under the data version: a system polling an unchanged list gets the
        # same bytes without a query for the rows, and its If-None-Match a 304. Other formats (the
        # browsable API) and SQLite always compute.
        versions = self.data_versions = data_versions(request) if request.accepted_renderer.format == "json" else None
        version = versions_key(versions, LIST_ROWS)
        page_key = etag = members_key = None
        if version is not None:
            # With the address: the next/previous links in the page are absolute.
            params = [*query_pairs(request.query_params), ("", request.build_absolute_uri(request.path))]
            page_key = f"{scoped_cache_key('api-issue-page', user=request.user, params=params)}:v{version}"
            etag = f'"{hashlib.sha256(page_key.encode()).hexdigest()[:32]}"'
            body = cache.get(page_key)
            if body is not None:
                return _json_page(body, etag, request)
            # Which issues the page holds, in order, with its total and links: kept under what decides
            # them, the total's data versions. A change that moves only the rows (a progress note, an
            # edit of a title) reads the page's rows again by key, not the filters, the scope and the
            # index walk that chose them. A text search (q) reads titles: its domains are the rows'.
            members_version = versions_key(versions, count_domains(request.query_params, reads_text=searches_text))
            members_key = (
                f"{scoped_cache_key('api-issue-members', user=request.user, params=params)}:v{members_version}"
            )
            members = cache.get(members_key)
            if members is not None:
                rows = _rows_by_id(members["ids"], versions=versions)
                body = JSONRenderer().render({**members["frame"], "results": rows})
                cache.set(page_key, body, CACHE_SECONDS)
                return _json_page(body, etag, request)
        count_key = scoped_cache_key(
            "api-issue-count", user=request.user, params=query_pairs(request.query_params, skip=COUNT_IGNORES)
        )
        issues = self.filter_queryset(self.get_queryset())
        filterset = getattr(self, "filterset", None)
        count = (lambda: filtered_total(filterset, user=request.user)) if filterset is not None else None
        rows = CountedRows(
            issues,
            columns=LIST_COLUMNS,
            count_key=count_key,
            version=versions_key(versions, count_domains(request.query_params, reads_text=searches_text)),
            count=count,
            rows_by_id=issue_rows_by_id(issues),
        )
        page = self.paginate_queryset(rows)
        data = self.get_paginated_response([_row(values) for values in page]).data
        if version is None:
            return Response(data)
        body = JSONRenderer().render(data)
        cache.set(page_key, body, CACHE_SECONDS)
        _keep_rows(data["results"], versions)
        frame = {name: value for name, value in data.items() if name != "results"}
        cache.set(members_key, {"frame": frame, "ids": [row["id"] for row in data["results"]]}, CACHE_SECONDS)
        return _json_page(body, etag, request)

    def retrieve(self, request, *args, **kwargs):
        issue = self.get_object()
        context = {"request": request, "allowed_actions": allowed_actions(request.user, issue)}
        return Response(IssueDetailSerializer(issue, context=context).data)

    @idempotent
    def create(self, request, *args, **kwargs):
        user = request.user
        check_hand_off(user=user)  # before the serializer: its project list is the inspector's
        projects = project_list_visible_to(user=user)
        serializer = IssueCreateSerializer(
            data=request.data, projects=projects, visits=visit_list_visible_to(user=user)
        )
        serializer.is_valid(raise_exception=True)
        issue = services.issue_hand_off(actor=user, **serializer.validated_data)
        return Response(_detail(request, issue.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="整改进展列表 / List progress updates",
        description="责任单位的整改进展和协办单位的说明，含佐证材料。/ Progress reports and assisting notes "
        "with their evidence files.",
        responses={200: ProgressUpdateSerializer(many=True), **error_responses(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="报送整改进展 / Report progress",
        description="multipart/form-data：text、percent、files（可多个；jpg/png/webp/pdf/docx/xlsx，按文件内容校验）。"
        "责任单位报送进展，协办单位添加说明。/ The lead department reports progress with evidence; an assisting "
        "department adds a note. Files are checked by content; one bad file saves nothing.",
        request={"multipart/form-data": ProgressCreateSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: ProgressUpdateSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="updates",
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
    )
    @idempotent
    def updates(self, request, pk=None):
        issue = issue_get_for_user(user=request.user, pk=pk)
        if request.method == "GET":
            updates = (
                ProgressUpdate.objects.filter(issue=issue)
                .select_related("author", "department")
                .prefetch_related(
                    Prefetch(
                        "evidence",
                        queryset=EvidenceFile.objects.order_by("uploaded_at", "id").prefetch_related(
                            Prefetch("reviews", queryset=EvidenceReview.objects.select_related("reviewer"))
                        ),
                    )
                )
            )
            return Response(ProgressUpdateSerializer(updates, many=True).data)
        serializer = ProgressCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.issue_progress_add(issue=issue, actor=request.user, **serializer.validated_data)
        update = (
            ProgressUpdate.objects.select_related("author", "department")
            .prefetch_related("evidence__reviews")
            .get(pk=update.pk)
        )
        return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="可执行的流转 / Allowed transitions",
        description="当前用户此刻可对该问题执行的流转及当前版本号。/ The transitions the caller may take now, "
        "and the version to send as expected_version.",
        responses={200: AllowedActionsSerializer, **error_responses(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="执行流转 / Take a transition",
        description=TRANSITIONS_DESCRIPTION,
        request=TransitionSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: IssueDetailSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="transitions",
        pagination_class=None,
        filter_backends=[],
        parser_classes=[JSONParser],
    )
    @idempotent
    def transitions(self, request, pk=None):
        issue = issue_get_for_user(user=request.user, pk=pk)
        if request.method == "GET":
            actions = allowed_actions(request.user, issue) & set(API_ACTIONS)
            return Response(
                {"version": issue.version, "status": issue.status, "actions": sorted(str(a) for a in actions)}
            )
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _transition(issue=issue, actor=request.user, data=serializer.validated_data)
        return Response(_detail(request, issue.pk))


def _transition(*, issue, actor, data) -> None:
    """Take the action through the service the workflow table names: the client's `note` is the
    step's text, the step's other arguments come by their names; the service compares the version."""
    step = step_for(data["action"])
    arguments = {name: data[name] for name in step.arguments}
    arguments[step.text_argument] = data["note"]
    services.issue_act(
        action=step.action, issue=issue, actor=actor, expected_version=data["expected_version"], **arguments
    )


@extend_schema(
    summary="下载佐证材料 / Download an evidence file",
    description="整改进展所附的佐证材料原件（进展列表中的 download_url）。能查看该问题的用户可下载，否则 404。"
    "/ The file attached to a progress update, for callers who may read its issue.",
    responses=file_responses(),
)
class EvidenceFileView(FileDownloadView):
    def get_file(self, request, pk: int):
        return evidence_get_for_user(user=request.user, pk=pk)
