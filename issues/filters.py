"""The issue ledger's filters, one FilterSet shared by the ledger page, the API and the Excel export.

Always built over `issue_list_visible_to(user=…)` through `issue_filter_for`, so a filter can only
narrow what the user may already see.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from issues.lights import light_annotation, light_q
from issues.models import Issue, IssueCategory, IssueStatus, Light
from issues.selectors import issue_list_visible_to
from projects.models import Project

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def month_bounds(value: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Local midnight of the month's first day and of the next month's, or None for a bad value."""
    match = MONTH_PATTERN.match(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


class MonthField(forms.CharField):
    widget = forms.DateInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if value and month_bounds(value) is None:
            raise forms.ValidationError(_("请按“年-月”格式选择月份，例如 2026-11。"), code="invalid_month")
        return value


class MonthFilter(django_filters.CharFilter):
    field_class = MonthField


class IssueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.none(), label=_("所属项目"), empty_label=_("全部项目")
    )
    lead_department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(), label=_("责任单位"), empty_label=_("全部单位")
    )
    status = django_filters.ChoiceFilter(choices=IssueStatus.choices, label=_("状态"), empty_label=_("全部状态"))
    light = django_filters.ChoiceFilter(
        choices=Light.choices, method="filter_light", label=_("红黄绿灯"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=IssueCategory.choices, label=_("问题类别"), empty_label=_("全部类别")
    )
    month = MonthFilter(method="filter_month", label=_("交办月份"))
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
        fields = ["q", "project", "lead_department", "status", "light", "category", "month"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        visible = self.queryset
        # Choices come from the user's own issues, so a filter list never leaks another scope.
        self.filters["project"].queryset = Project.objects.filter(pk__in=visible.values("project_id")).order_by("name")
        self.filters["lead_department"].queryset = Department.objects.filter(
            pk__in=visible.values("lead_department_id")
        ).order_by("name")

    def filter_search(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        # icontains on both databases; on PostgreSQL the pg_trgm GIN indexes on UPPER(column)
        # (migration 0002) serve this exact expression.
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(code__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text))

    def filter_light(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.filter(light_q(value, today=timezone.localdate()))

    def filter_month(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        start, end = month_bounds(value)
        return queryset.filter(handed_off_at__gte=start, handed_off_at__lt=end)


def issue_filter_for(*, user: User, data=None, request=None) -> IssueFilter:
    """The ledger filter over the user's scope, rows annotated with `light_code`."""
    issues = issue_list_visible_to(user=user).annotate(light_code=light_annotation(today=timezone.localdate()))
    return IssueFilter(data, queryset=issues, request=request)
