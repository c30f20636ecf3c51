"""The issue ledger's filters, one FilterSet shared by the ledger page, the API and the Excel export.

Always built over `issue_list_visible_to(user=…)` through `issue_filter_for`, so a filter can only
narrow what the user may already see.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from core.dataversion import CHOICES, data_versions, scoped_cache_key, versions_key
from core.months import month_bounds
from core.widgets import FastSelect
from issues.conditions import done_on, on_time_q
from issues.lights import light_annotation, light_q
from issues.models import OPEN_STATUSES, Issue, IssueCategory, IssueStatus, Light
from issues.selectors import issue_list_visible_to
from projects.models import Project, SupervisionGroup
from projects.selectors import group_list_visible_to


class MonthField(forms.CharField):
    widget = forms.DateInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if value and month_bounds(value) is None:
            raise forms.ValidationError(_("请按“年-月”格式选择月份，例如 2026-11。"), code="invalid_month")
        return value


class MonthFilter(django_filters.CharFilter):
    field_class = MonthField


# The whole of an issue code as issues.services.issue_hand_off writes it (DD2026-00012).
ISSUE_CODE = re.compile(r"DD\d{4}-\d{5,}", re.IGNORECASE)
STATUS_OPEN = "open"
STATUS_CHOICES = [(STATUS_OPEN, _("未办结（已交办、整改中、待核验、待确认销号）")), *IssueStatus.choices]
ON_TIME_CHOICES = [("1", _("按期销号")), ("0", _("未按期销号"))]
WITHDRAWN_CHOICES = [("0", _("不含已撤销")), ("1", _("仅已撤销"))]
RETURNED_CHOICES = [("1", _("被退回过")), ("0", _("未被退回"))]


def searches_text(value: str) -> bool:
    """Whether the search box's `value` reads titles and descriptions: not when blank, nor when it
    is a whole issue code (the code's own lookup; codes never change)."""
    text = value.strip()
    return bool(text) and not ISSUE_CODE.fullmatch(text)


def with_done_on(queryset: QuerySet[Issue]) -> QuerySet[Issue]:
    # alias(), not annotate(): the date is only filtered on, never selected.
    return queryset.alias(done_on=done_on())


def _own_copy(declared: django_filters.Filter) -> django_filters.Filter:
    """A filter of its own for one FilterSet: a shallow copy with its own kwargs, no built form
    field, and its method bound to the copy (django-filter's FilterMethod keeps the filter)."""
    clone = copy.copy(declared)
    clone.extra = dict(declared.extra)
    clone.__dict__.pop("_field", None)
    if declared.method is not None:
        clone.method = declared.method
    return clone


class IssueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.none(),
        label=_("所属项目"),
        empty_label=_("全部项目"),
        widget=FastSelect(label_fields=("short_name", "name")),
    )
    lead_department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(),
        label=_("责任单位"),
        empty_label=_("全部单位"),
        widget=FastSelect(label_fields=("short_name", "name")),
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("状态"), empty_label=_("全部状态"), widget=FastSelect
    )
    light = django_filters.ChoiceFilter(
        choices=Light.choices, method="filter_light", label=_("红黄绿灯"), empty_label=_("全部"), widget=FastSelect
    )
    category = django_filters.ChoiceFilter(
        choices=IssueCategory.choices, label=_("问题类别"), empty_label=_("全部类别"), widget=FastSelect
    )
    group = django_filters.ModelChoiceFilter(
        queryset=SupervisionGroup.objects.none(),
        method="filter_group",
        label=_("督导组"),
        empty_label=_("全部督导组"),
        widget=FastSelect(label_fields=("name",)),
    )
    returned = django_filters.ChoiceFilter(
        choices=RETURNED_CHOICES,
        method="filter_returned",
        label=_("退回整改"),
        empty_label=_("全部"),
        widget=FastSelect,
    )
    month = MonthFilter(method="filter_month", label=_("交办月份"))
    closed_month = MonthFilter(method="filter_closed_month", label=_("销号月份"))
    on_time = django_filters.ChoiceFilter(
        choices=ON_TIME_CHOICES,
        method="filter_on_time",
        label=_("是否按期销号"),
        empty_label=_("全部"),
        widget=FastSelect,
    )
    withdrawn = django_filters.ChoiceFilter(
        choices=WITHDRAWN_CHOICES,
        method="filter_withdrawn",
        label=_("撤销问题"),
        empty_label=_("全部"),
        widget=FastSelect,
    )
    withdrawn_month = MonthFilter(method="filter_withdrawn_month", label=_("撤销月份"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("handed_off_at", "handed_off_at"),
            ("rectification_deadline", "rectification_deadline"),
            ("status", "status"),
            ("project__name", "project"),
            ("lead_department__name", "lead_department"),
        ),
        field_labels={
            "code": _("编号"),
            "handed_off_at": _("交办时间"),
            "rectification_deadline": _("整改时限"),
            "status": _("状态"),
            "project": _("所属项目"),
            "lead_department": _("责任单位"),
        },
        label=_("排序"),
    )

    class Meta:
        model = Issue
        fields = [
            "q",
            "project",
            "lead_department",
            "status",
            "light",
            "category",
            "group",
            "returned",
            "month",
            "closed_month",
            "on_time",
            "withdrawn",
            "withdrawn_month",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django_filters.FilterSet.__init__ (25.x) but for the copy: it deep-copies every declared
        # filter for each request (about 700 objects here: lazy labels, choices, querysets), a
        # fifth of an API list request. A shallow copy per filter is enough: nothing mutates a
        # filter's shared parts (choices, labels), only attributes of its own copy (queryset,
        # parent, model). tests/issues/test_filters.py holds this to the library's behaviour.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _own_copy(declared) for name, declared in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    scope_user: User | None = None  # whose groups the group filter offers; else the request's user
    data_versions: dict[str, int] | None = None  # read by the caller already, or read here when a form is built

    def get_form_class(self):
        # The choice lists are limited here, when a form is first built, not in __init__: the API's
        # subclass takes plain ids (IdFilter) and never pays for these subqueries.
        scoped = self._limit_choices_to_scope()
        form_class = super().get_form_class()
        self._cache_choice_options(scoped)
        return form_class

    def _cache_choice_options(self, names: list[str]) -> None:
        """A city's 2,000 projects are the same list on every ledger page until an issue lands in
        another project or department, or a scope changes: their rendered <option>s are kept under
        the data versions of those (core.dataversion.CHOICES; the choices are not even read)."""
        user = self.scope_user or getattr(self.request, "user", None)
        if user is None or not names:
            return
        versions = self.data_versions if self.data_versions is not None else data_versions(self.request)
        version = versions_key(versions, CHOICES)
        if version is None:
            return
        for name in names:
            widget = self.filters[name].field.widget
            if isinstance(widget, FastSelect):
                # Keyed by day too: an authorization that ended at midnight takes its project off.
                key = scoped_cache_key(f"issue-filter-options:{name}", user=user, params=[("lang", get_language())])
                widget.options_cache_key = f"{key}:v{version}"

    def _limit_choices_to_scope(self) -> list[str]:
        # Choices come from the user's own issues, so a filter list never leaks another scope.
        # only() the columns a label needs: a city has thousands of projects in this list.
        visible = self.queryset
        choices = {
            "project": lambda: Project.objects.filter(pk__in=visible.values("project_id"))
            .only("name", "short_name")
            .order_by("name"),
            "lead_department": lambda: Department.objects.filter(pk__in=visible.values("lead_department_id"))
            .only("name", "short_name")
            .order_by("name"),
        }
        user = self.scope_user or getattr(self.request, "user", None)
        if user is not None:
            choices["group"] = lambda: group_list_visible_to(user=user).order_by("name")
        scoped = [name for name in choices if isinstance(self.filters.get(name), django_filters.ModelChoiceFilter)]
        for name in scoped:
            self.filters[name].queryset = choices[name]()
        return scoped

    def filter_search(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        # icontains on both databases; on PostgreSQL the pg_trgm GIN indexes on UPPER(column)
        # (migration 0002) serve this exact expression.
        text = value.strip()
        if not text:
            return queryset
        if not searches_text(text):
            # A whole issue code names one issue: the code's unique index finds it. As a substring
            # search (every "DD2026-…" code shares its trigrams) PostgreSQL walked the hand-off
            # date index past every row at 200k issues.
            return queryset.filter(code=text.upper())
        return queryset.filter(Q(code__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text))

    def filter_light(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.filter(light_q(value, today=timezone.localdate()))

    def filter_month(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        start, end = month_bounds(value)
        return queryset.filter(handed_off_at__gte=start, handed_off_at__lt=end)

    def filter_status(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        if value == STATUS_OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_group(self, queryset: QuerySet[Issue], name: str, value: SupervisionGroup) -> QuerySet[Issue]:
        # A subquery, as the figures' group scope does: a project in several groups stays one row.
        return queryset.filter(project__in=Project.objects.filter(groups=value).values("pk"))

    def filter_returned(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.filter(return_count__gte=1) if value == "1" else queryset.filter(return_count=0)

    def filter_closed_month(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        start, end = month_bounds(value)
        return queryset.filter(closed_at__gte=start, closed_at__lt=end)

    def filter_on_time(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        queryset = with_done_on(queryset)
        if value == "1":
            return queryset.filter(on_time_q())
        return queryset.filter(closed_at__isnull=False).exclude(on_time_q())

    def filter_withdrawn(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        if value == "1":
            return queryset.filter(status=IssueStatus.WITHDRAWN)
        return queryset.exclude(status=IssueStatus.WITHDRAWN)

    def filter_withdrawn_month(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        start, end = month_bounds(value)
        return queryset.filter(withdrawn_at__gte=start, withdrawn_at__lt=end)


# Another way to a filtered ledger's total, installed by a layer above (rollups.apps: the totals
# from the issue rollup, which issues may not import): given the bound filterset and the user
# whose scope it covers, the total, or None where it cannot answer exactly.
TotalCounter = Callable[["IssueFilter", User], "int | None"]
_total_counters: list[TotalCounter] = []


def register_total_counter(counter: TotalCounter) -> None:
    if counter not in _total_counters:
        _total_counters.append(counter)


def filtered_total(filterset: IssueFilter, *, user: User) -> int:
    """The number of issues the filterset lists for `user`: from the first installed counter that
    answers, else COUNT(*) over the filtered issues (the same number: tests/rollups pin it)."""
    for counter in _total_counters:
        total = counter(filterset, user)
        if total is not None:
            return total
    return filterset.qs.count()


def issue_rows_by_id(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """Every issue, unscoped, with the `light_code` of `issues` (issue_filter_for's rows or the
    API's): a page's rows read by the ids its scoped, filtered query chose
    (core.dataversion.CountedRows). The annotation is shared, not rebuilt: building it reads the
    holiday calendar."""
    return Issue.objects.annotate(light_code=issues.query.annotations["light_code"])


def issue_filter_for(
    *,
    user: User,
    data=None,
    request=None,
    version: int | str | None = None,
    versions: dict[str, int] | None = None,
) -> IssueFilter:
    """The ledger filter over the user's scope, rows annotated with `light_code`. `version`: the
    calendar's data version, `versions` all of them, when the caller has read them (see
    core.dataversion)."""
    issues = issue_list_visible_to(user=user, listed=True, versions=versions).annotate(
        light_code=light_annotation(today=timezone.localdate(), version=version)
    )
    filterset = IssueFilter(data, queryset=issues, request=request)
    filterset.scope_user = user
    filterset.data_versions = versions
    return filterset
