"""Composed pages on the top floor: each role's home (工作台), the profile page and the project pages.

A project page is where the layers meet: it shows the project (projects), its visits
(inspections) and its issues (issues), each read through that app's scoped selectors. The home
page composes one section per role the user holds, each a fixed handful of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.roles import Role
from accounts.two_factor import two_factor_enabled
from desk import queues
from desk.context_processors import lead_queues_of
from inspections.selectors import visit_list_for_project
from issues.lights import light_annotation, light_q
from issues.models import OPEN_STATUSES, VERIFICATION_STATUSES, IssueStatus, Light
from issues.selectors import issue_list_visible_to
from projects.forms import ProjectFilterForm
from projects.models import Authorization, FactorKind, GroupMembership, GroupPartnerUnit, SupervisionGroup
from projects.selectors import (
    project_get_for_user,
    project_ids_for_inspector,
    project_list_visible_to,
    user_can_inspect_project,
    user_keeps_project_records,
)
from talks.selectors import commitments_open_for_department, commitments_overdue_for

# How many rows a home-page box lists before pointing at the ledger.
HOME_LIST_LIMIT = 8


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _inspector_section(user, today: dt.date, light) -> dict:
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
        .annotate(light_value=light)
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
        "commitments": list(commitments_open_for_department(department_id=department_id)),
        "to_sign": [i for i in lead if i.status == IssueStatus.HANDED_OFF],
        "overdue": [i for i in lead if i.light_value == Light.RED],
        "returned": [i for i in lead if i.status == IssueStatus.IN_PROGRESS and i.return_count > 0],
        "in_progress": [i for i in lead if i.status == IssueStatus.IN_PROGRESS],
        "submitted": [i for i in lead if i.status in VERIFICATION_STATUSES],  # waiting for 核验 / 销号
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
        to_verify=Count("pk", filter=Q(status__in=VERIFICATION_STATUSES)),
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
        "talk_followups": list(commitments_overdue_for(user=user, today=today)[:HOME_LIST_LIMIT]),
        "figures": figures,
        "project_figures": project_figures,
        "red_issues": red_issues,
        "summary_month": f"{_previous_month(today):%Y-%m}",
    }


def _lead_section(request, user, today: dt.date, light) -> dict | None:
    """The group lead's desk: each queue's count (shared with the navigation) and its first rows."""
    lead = lead_queues_of(request)
    if lead is None:
        return None
    meetings = list(queues.upcoming_meetings(user=user, today=today)[:HOME_LIST_LIMIT])
    return {
        "counts": lead.counts,
        "groups": list(SupervisionGroup.objects.filter(pk__in=queues.led_group_ids(user=user)).order_by("name")),
        "to_confirm": list(queues.to_confirm(user=user).annotate(light_value=light)[:HOME_LIST_LIMIT]),
        "to_verify": list(queues.to_verify(user=user).annotate(light_value=light)[:HOME_LIST_LIMIT]),
        "extensions": list(queues.extensions(user=user)[:HOME_LIST_LIMIT]),
        "escalations": list(
            queues.escalations(user=user, cutoff=lead.cutoff).annotate(light_value=light)[:HOME_LIST_LIMIT]
        ),
        "instructions": list(queues.unread_instructions(user=user)[:HOME_LIST_LIMIT]),
        "meetings": [(meeting, queues.meeting_gaps(meeting)) for meeting in meetings],
        "talk_followups": list(queues.talk_followups(user=user, today=today)[:HOME_LIST_LIMIT]),
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
        # One light expression (its working-day cutoff costs a query) for every list that shows it.
        light = light_annotation(today=today)
        context["lead"] = _lead_section(request, user, today, light)
        context["inspector"] = _inspector_section(user, today, light)
    if user.is_liaison:
        context["liaison"] = _liaison_section(user, today)
    context["has_section"] = any(key in context for key in ("leader", "inspector", "liaison"))
    return render(request, "desk/home.html", context)


# The project page's timeline shows the latest entries; the ledger and visit list hold the rest.
TIMELINE_LIMIT = 40


@login_required
@require_GET
def project_list(request):
    today = timezone.localdate()
    form = ProjectFilterForm(request.GET or None)
    projects = project_list_visible_to(user=request.user).filter(is_archived=False)
    if form.is_valid():
        projects = form.apply(projects)
    projects = projects.annotate(
        open_issue_count=Count("issues", filter=Q(issues__status__in=OPEN_STATUSES)),
        red_issue_count=Count("issues", filter=light_q(Light.RED, today=today, prefix="issues__")),
        issue_count=Count("issues"),
    ).prefetch_related(Prefetch("groups", queryset=SupervisionGroup.objects.filter(is_active=True)))
    return render(request, "desk/project_list.html", {"projects": list(projects), "form": form})


@dataclass
class TimelineEntry:
    day: dt.date
    kind: str  # "visit" or "issue"
    item: object


@login_required
@require_GET
def project_detail(request, pk: int):
    user = request.user
    today = timezone.localdate()
    project = project_get_for_user(user=user, pk=pk)

    stages = list(project.stages.order_by("position", "pk"))
    for stage in stages:
        stage.blocked_days = stage.days_blocked(today)
    # 水、电、路、气 in the customary order, not the alphabetical order of their codes.
    factor_order = {value: index for index, value in enumerate(FactorKind.values)}
    factors = sorted(project.factors.all(), key=lambda factor: factor_order.get(factor.factor, len(factor_order)))
    authorizations = [
        (authorization, authorization.is_valid_on(today))
        for authorization in Authorization.objects.filter(project=project)
        .select_related("inspector")
        .order_by("-valid_to")
    ]
    groups = project.groups.filter(is_active=True).prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.select_related("user").order_by("-role", "pk")),
        Prefetch("partners", queryset=GroupPartnerUnit.objects.select_related("department")),
    )

    # One light expression (its working-day cutoff costs a query to build) serves figures and rows.
    issues = (
        issue_list_visible_to(user=user).filter(project=project).annotate(light_value=light_annotation(today=today))
    )
    issue_figures = issues.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        red=Count("pk", filter=Q(light_value=Light.RED)),
        yellow=Count("pk", filter=Q(light_value=Light.YELLOW)),
        closed=Count("pk", filter=Q(status=IssueStatus.CLOSED)),
    )
    recent_issues = list(issues.order_by("-handed_off_at", "-pk")[:TIMELINE_LIMIT])
    visits = list(visit_list_for_project(project=project)[:TIMELINE_LIMIT])

    timeline = [TimelineEntry(v.visited_on, "visit", v) for v in visits] + [
        TimelineEntry(timezone.localtime(i.handed_off_at).date(), "issue", i) for i in recent_issues
    ]
    timeline.sort(key=lambda entry: (entry.day, entry.kind == "issue"), reverse=True)

    return render(
        request,
        "desk/project_detail.html",
        {
            "project": project,
            "stages": stages,
            "blocked_stage_count": sum(1 for s in stages if s.blocked_days is not None),
            "factors": factors,
            "authorizations": authorizations,
            "groups": groups,
            "issue_figures": issue_figures,
            "visits": visits,
            "timeline": timeline[:TIMELINE_LIMIT],
            "timeline_truncated": len(timeline) > TIMELINE_LIMIT,
            "can_inspect": user_can_inspect_project(user=user, project_id=project.pk),
            "can_keep_records": user_keeps_project_records(user=user, project_id=project.pk),
            "today": today,
        },
    )


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
        "desk/profile.html",
        {
            "role_labels": role_labels,
            "memberships": memberships,
            "authorizations": [(a, a.is_valid_on(today)) for a in authorizations],
            "today": today,
            "two_factor_enabled": two_factor_enabled(user=user),
        },
    )
