"""The ledger's and the API list's totals from the issue rollup (rollups.models), not COUNT(*).

A ledger total counts the issues of a user's scope that pass the ledger's filters
(issues.filters.IssueFilter). Every issue has exactly one rollup row of the kinds STATE and OWES
(OWES: open issues only) under its project and one under CITY, and one CLOSED, HANDED_OFF or
WITHDRAWN row where it has that fact: so where every filter in force can be said over the
columns of one kind's rows, the total is a sum of `n` over a few rows of that kind. Each filter
below says, per kind, which rows it keeps (MATCH_ALL: every row of the kind; NOTHING: none, the
issue cannot be one of that kind's and pass). A filter the rollup cannot say (a text search, a
hand-off month over issues that may be withdrawn) leaves no kind: the total then falls back to
the filtered COUNT(*), planned over the same indexes as the rows (issues.filters.filtered_total).

Scopes (issues.selectors.issue_scope_q): leaders read the CITY rows at its total grain (a
project, group, department or category filter: the project rows); an inspector sums the rows of
their projects; a liaison's issues are those their department leads (the rollup's department,
under every project) plus those it assists but does not lead, which
the rollup does not key: that second, disjoint part is counted from the assisting links, a
department's few thousand rows at 3 × S. A user with both roles falls back.

Installed into issues.filters by rollups.apps (issues sits below rollups and may not import it).
tests/rollups/test_ledger_totals.py proves each common filter and scope equal to the COUNT(*).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core.months import Month
from issues.filters import STATUS_OPEN, IssueFilter
from issues.lights import due_soon_cutoff
from issues.models import DEPARTMENT_OWES_STATUSES, OPEN_STATUSES, Issue, IssueStatus, Light
from projects.models import Project
from projects.selectors import inspector_project_id_list
from rollups.models import ALL_CATEGORIES, ALL_DEPARTMENTS, IssueRollup, Kind
from rollups.sql import CITY

MATCH_ALL = Q()
NOTHING = Q(pk__in=[])
EVERY_KIND = tuple(Kind)
# Tried in this order: the STATE and OWES rows are one per issue, the others keyed by month.
PREFERENCE = (Kind.STATE, Kind.OWES, Kind.CLOSED, Kind.HANDED_OFF, Kind.WITHDRAWN)
# Filters that do not change which issues are listed.
NOT_COUNTED = ("ordering",)
FINISHED = (IssueStatus.CLOSED, IssueStatus.WITHDRAWN)


class _Today:
    """Today's bounds for the lights, the holiday lookup made only if a light is asked for."""

    def __init__(self) -> None:
        self.day = timezone.localdate()
        self._soon: dt.date | None = None

    @property
    def soon(self) -> dt.date:
        if self._soon is None:
            self._soon = due_soon_cutoff(self.day)
        return self._soon


def _red(today: _Today) -> Q:
    # issues.lights: the department owes work and the rectification deadline (day1) passed.
    return Q(status__in=DEPARTMENT_OWES_STATUSES, day1__lt=today.day)


def _yellow(today: _Today) -> Q:
    # issues.lights: due soon, or the sign-for deadline (day2 while 已交办) passed with the
    # rectification deadline still ahead.
    return Q(status__in=DEPARTMENT_OWES_STATUSES) & (
        Q(day1__gte=today.day, day1__lte=today.soon)
        | Q(status=IssueStatus.HANDED_OFF, day2__lt=today.day, day1__gte=today.day)
    )


def _status(value: str, today: _Today) -> dict[str, Q]:
    if value == STATUS_OPEN:
        return {Kind.STATE: Q(status__in=OPEN_STATUSES), Kind.OWES: MATCH_ALL}
    return {Kind.STATE: Q(status=value), Kind.OWES: Q(status=value) if value in OPEN_STATUSES else NOTHING}


def _light(value: str, today: _Today) -> dict[str, Q]:
    if value == Light.NONE:
        return {Kind.STATE: Q(status__in=FINISHED), Kind.OWES: NOTHING}
    if value == Light.RED:
        return {Kind.OWES: _red(today)}
    if value == Light.YELLOW:
        return {Kind.OWES: _yellow(today)}
    # green: open (every OWES row), neither red nor yellow
    return {Kind.OWES: ~_red(today) & ~_yellow(today)}


def _month_day(value: str) -> dt.date:
    return Month.parse(value).first_day


def _withdrawn(value: str, today: _Today) -> dict[str, Q]:
    if value == "1":
        return {Kind.STATE: Q(status=IssueStatus.WITHDRAWN), Kind.OWES: NOTHING, Kind.HANDED_OFF: NOTHING}
    # not withdrawn: every open issue, every HANDED_OFF row (kept for issues not withdrawn)
    return {Kind.STATE: ~Q(status=IssueStatus.WITHDRAWN), Kind.OWES: MATCH_ALL, Kind.HANDED_OFF: MATCH_ALL}


def _on_time(value: str, today: _Today) -> dict[str, Q]:
    if value == "1":  # the STATE rows' flag is the CLOSED rows' (closed, on time, never reopened)
        return {Kind.STATE: Q(on_time=True), Kind.CLOSED: Q(on_time=True)}
    return {Kind.CLOSED: Q(on_time=False)}


def _everywhere(q: Q) -> dict[str, Q]:
    return dict.fromkeys(EVERY_KIND, q)


def _group_projects(value: Any) -> list[int]:
    # The ids first (one query): see rollup_total's inspector.
    return list(Project.objects.filter(groups=_pk(value)).values_list("pk", flat=True))


def _pk(value: Any) -> int:
    return value.pk if hasattr(value, "pk") else int(value)


# name -> for its value and today: the rows each kind keeps (no entry: the kind cannot say)
CONDITIONS: dict[str, Callable[[Any, _Today], dict[str, Q]]] = {
    "project": lambda value, today: _everywhere(Q(project_id=_pk(value))),
    "group": lambda value, today: _everywhere(Q(project_id__in=_group_projects(value))),
    "lead_department": lambda value, today: _everywhere(Q(department_id=_pk(value))),
    "category": lambda value, today: _everywhere(Q(category=value)),
    "status": _status,
    "light": _light,
    "returned": lambda value, today: {
        Kind.STATE: Q(reworked=value == "1"),
        Kind.CLOSED: Q(reworked=value == "1"),
    },
    # handed off in the month: the HANDED_OFF rows, which leave out withdrawn issues, so only
    # together with a filter that does too (withdrawn=0, a light, an open status)
    "month": lambda value, today: {Kind.HANDED_OFF: Q(day1=_month_day(value))},
    "closed_month": lambda value, today: {Kind.CLOSED: Q(day1=_month_day(value))},
    "withdrawn_month": lambda value, today: {Kind.WITHDRAWN: Q(day1=_month_day(value))},
    "on_time": _on_time,
    "withdrawn": _withdrawn,
}
# Filters read from the rows under each project, not the city's: those naming projects, and those
# naming a department or a category, which the city keeps only at grains that do not carry every
# fact (rollups.sql.city_branches: per department or category, only the open issues' states and
# the owed deadlines). A city read without them sums the city's total grain.
BY_PROJECT = ("project", "group", "lead_department", "category")


def _confines(name: str, value: Any) -> set[str]:
    """The kinds whose rows hold every issue that passes the filter. A kind other than STATE (one
    row per issue) answers only when a filter in force confines the issues to its rows: OWES holds
    the open issues, CLOSED those with a close date, HANDED_OFF those not withdrawn, WITHDRAWN those
    with a withdrawal date. (A hand-off month alone counts withdrawn issues too: no kind holds it.)"""
    if name == "status":
        return {Kind.OWES, Kind.HANDED_OFF} if value == STATUS_OPEN or value in OPEN_STATUSES else set()
    if name == "light":
        return set() if value == Light.NONE else {Kind.OWES, Kind.HANDED_OFF}
    if name in ("closed_month", "on_time"):
        return {Kind.CLOSED}
    if name == "withdrawn":
        return {Kind.HANDED_OFF} if value == "0" else set()
    if name == "withdrawn_month":
        return {Kind.WITHDRAWN}
    return set()


def rollup_condition(filterset: IssueFilter) -> tuple[str, Q, bool] | None:
    """(kind, rows to sum, whether they are read by project) answering the filterset's filters
    exactly, or None when no kind can."""
    filterset.is_valid()  # builds the form: cleaned_data holds the values in force, as for .qs
    today = _Today()
    kinds: set[str] = set(EVERY_KIND)
    confined: set[str] = {Kind.STATE}
    conditions: list[dict[str, Q]] = []
    by_project = False
    for name, value in filterset.form.cleaned_data.items():
        if name in NOT_COUNTED or value in (None, "", [], (), {}):
            continue
        if name not in CONDITIONS:
            return None
        per_kind = CONDITIONS[name](value, today)
        kinds &= set(per_kind)
        confined |= _confines(name, value)
        conditions.append(per_kind)
        by_project = by_project or name in BY_PROJECT
    kind = next((kind for kind in PREFERENCE if kind in kinds & confined), None)
    if kind is None:
        return None
    where = Q(kind=kind)
    for per_kind in conditions:
        where &= per_kind[kind]
    return kind, where, by_project


def _sum(rows) -> int:
    return rows.aggregate(total=Coalesce(Sum("n"), 0))["total"]


def _city_total(rows):
    """The city's rows at the grain of every department and every category."""
    return rows.filter(project_id=CITY, department_id=ALL_DEPARTMENTS, category=ALL_CATEGORIES)


def rollup_total(filterset: IssueFilter, user: User) -> int | None:
    """The filterset's total for `user` from the rollup, or None (the caller counts the issues)."""
    if not user.is_authenticated:
        return None
    answer = rollup_condition(filterset)
    if answer is None:
        return None
    _kind, where, by_project = answer
    rows = IssueRollup.objects.filter(where)
    if user.sees_everything:
        return _sum(rows.exclude(project_id=CITY) if by_project else _city_total(rows))
    if user.is_inspector and user.is_liaison:
        return None  # the union of two scopes: counted from the issues
    if user.is_inspector:
        # The ids first (one query, a hundred or so): as a subquery PostgreSQL guessed thousands
        # of projects and hashed every project row of the kind (0.3 s at 3 × S instead of ms).
        projects = inspector_project_id_list(user=user, versions=getattr(filterset, "data_versions", None))
        return _sum(rows.exclude(project_id=CITY).filter(project_id__in=projects))
    if user.is_liaison and user.department_id is not None:
        department = user.department_id
        # the department's rows under every project (the city's per-department grain is partial)
        led = _sum(rows.exclude(project_id=CITY).filter(department_id=department))
        assisted = Issue.assisting_departments.through.objects.filter(department_id=department).values("issue_id")
        only_assisted = Issue.objects.filter(pk__in=assisted).exclude(lead_department_id=department)
        return led + filterset.filter_queryset(only_assisted).count()
    return 0  # no role that sees issues (issues.selectors.issue_scope_q: nothing)
