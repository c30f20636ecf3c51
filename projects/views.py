"""Project pages. A project page is where the layers meet: it shows the project (projects), its
visits (inspections) and its issues (issues), each read through that app's scoped selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from inspections.selectors import visit_list_for_project
from issues.lights import light_annotation, light_q
from issues.models import OPEN_STATUSES, IssueStatus, Light
from issues.selectors import issue_list_visible_to
from projects.forms import ProjectFilterForm
from projects.models import Authorization, FactorKind, GroupMembership, GroupPartnerUnit, SupervisionGroup
from projects.selectors import project_get_for_user, project_list_visible_to, user_can_inspect_project

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
    return render(request, "projects/list.html", {"projects": list(projects), "form": form})


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
        "projects/detail.html",
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
            "today": today,
        },
    )
