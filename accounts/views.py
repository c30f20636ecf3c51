"""Home (工作台) per role and the profile page. Each section is a fixed handful of queries."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.roles import Role
from accounts.two_factor import two_factor_enabled
from issues.lights import light_annotation, light_q
from issues.models import OPEN_STATUSES, IssueStatus, Light
from issues.selectors import issue_list_visible_to
from projects.models import Authorization, GroupMembership
from projects.selectors import project_ids_for_inspector, project_list_visible_to

# How many rows a home-page box lists before pointing at the ledger.
HOME_LIST_LIMIT = 8


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _inspector_section(user, today: dt.date) -> dict:
    projects = (
        project_list_visible_to(user=user)
        # "我督导的项目": the groups' and authorizations' projects, even for a leader who also inspects
        .filter(pk__in=project_ids_for_inspector(user=user), is_archived=False)
        .annotate(
            open_issue_count=Count("issues", filter=Q(issues__status__in=OPEN_STATUSES), distinct=True),
            red_issue_count=Count("issues", filter=light_q(Light.RED, today=today, prefix="issues__"), distinct=True),
            visit_count=Count("visits", filter=Q(visits__is_archived=False), distinct=True),
        )
    )
    handed_off = list(
        issue_list_visible_to(user=user)
        .filter(handed_off_by=user, status__in=OPEN_STATUSES)
        .annotate(light_value=light_annotation(today=today))
        .order_by("rectification_deadline", "pk")
    )
    by_light = {light: [i for i in handed_off if i.light_value == light] for light in ("red", "yellow", "green")}
    return {"projects": list(projects), "handoffs_by_light": by_light, "handoff_count": len(handed_off)}


def _liaison_section(user, today: dt.date) -> dict:
    department_id = user.department_id
    open_issues = list(
        issue_list_visible_to(user=user)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(lead_department_id=department_id) | Q(assisting_departments=department_id))
        .distinct()
        .annotate(light_value=light_annotation(today=today))
        .order_by("rectification_deadline", "pk")
    )
    lead = [i for i in open_issues if i.lead_department_id == department_id]
    return {
        "to_sign": [i for i in lead if i.status == IssueStatus.HANDED_OFF],
        "overdue": [i for i in lead if i.light_value == Light.RED],
        "returned": [i for i in lead if i.status == IssueStatus.IN_PROGRESS and i.return_count > 0],
        "in_progress": [i for i in lead if i.status == IssueStatus.IN_PROGRESS],
        "submitted": [i for i in lead if i.status == IssueStatus.SUBMITTED],
        "assisting": [i for i in open_issues if i.lead_department_id != department_id],
        "lead_open_count": len(lead),
    }


def _leader_section(user, today: dt.date) -> dict:
    # One light expression (its working-day cutoff costs a query to build) serves figures and rows.
    issues = issue_list_visible_to(user=user).annotate(light_value=light_annotation(today=today))
    month_start = today.replace(day=1)
    figures = issues.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        red=Count("pk", filter=Q(light_value=Light.RED)),
        yellow=Count("pk", filter=Q(light_value=Light.YELLOW)),
        to_verify=Count("pk", filter=Q(status=IssueStatus.SUBMITTED)),
        closed_this_month=Count("pk", filter=Q(status=IssueStatus.CLOSED, closed_at__date__gte=month_start)),
        handed_off_this_month=Count("pk", filter=Q(handed_off_at__date__gte=month_start)),
    )
    project_figures = (
        project_list_visible_to(user=user)
        .filter(is_archived=False)
        .aggregate(count=Count("pk"), investment=Sum("investment"))
    )
    red_issues = list(issues.filter(light_value=Light.RED).order_by("rectification_deadline", "pk")[:HOME_LIST_LIMIT])
    return {
        "figures": figures,
        "project_figures": project_figures,
        "red_issues": red_issues,
        "summary_month": f"{_previous_month(today):%Y-%m}",
    }


@login_required
@require_GET
def home(request):
    user = request.user
    today = timezone.localdate()
    context: dict = {"today": today, "list_limit": HOME_LIST_LIMIT}
    if user.sees_everything:
        context["leader"] = _leader_section(user, today)
    if user.is_inspector:
        context["inspector"] = _inspector_section(user, today)
    if user.is_liaison:
        context["liaison"] = _liaison_section(user, today)
    context["has_section"] = any(key in context for key in ("leader", "inspector", "liaison"))
    return render(request, "home.html", context)


@login_required
@require_GET
def profile(request):
    user = request.user
    today = timezone.localdate()
    role_labels = [label for value, label in Role.choices if user.has_role(value)]
    memberships = GroupMembership.objects.filter(user=user).select_related("group").order_by("group__name")
    authorizations = Authorization.objects.filter(inspector=user).select_related("project").order_by("-valid_to")
    return render(
        request,
        "accounts/profile.html",
        {
            "role_labels": role_labels,
            "memberships": memberships,
            "authorizations": [(a, a.is_valid_on(today)) for a in authorizations],
            "today": today,
            "two_factor_enabled": two_factor_enabled(user=user),
        },
    )
