"""Clue pages: the list, the entry form (from an issue, a finding, or directly), the detail with its
timeline and the form of each step the user may take. Every clue is fetched through
clues.selectors (out of scope or a liaison = 404); every change is one clues.services call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clues import forms, services
from clues.models import Clue, ClueEvent
from clues.rules import DISPOSALS, STEPS, Actor, actor_allowed, steps_for, user_may_register_on
from clues.selectors import clue_get_for_user, clue_list_visible_to, user_may_see_clues
from core.errors import ServiceError, add_to_form
from inspections.selectors import finding_get_for_user
from issues.selectors import issue_get_for_user
from projects.selectors import project_list_visible_to

PAGE_SIZE = 50
A = ClueEvent.Action


def _require_clue_reader(request) -> None:
    """Liaisons (and anyone else who may see no clue) get 404: for them clues do not exist."""
    if not user_may_see_clues(user=request.user):
        raise Http404


@login_required
@require_GET
def clue_list(request):
    _require_clue_reader(request)
    projects = project_list_visible_to(user=request.user).order_by("name")
    form = forms.ClueFilterForm(request.GET or None, projects=projects)
    clues = clue_list_visible_to(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            clues = clues.filter(
                Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]) | Q(subjects__name=data["q"])
            ).distinct()
        for name in ("status", "source"):
            if data[name]:
                clues = clues.filter(**{name: data[name]})
        if data["project"]:
            clues = clues.filter(project=data["project"])
    page = Paginator(clues.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clues/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_register": request.user.is_leader or request.user.is_inspector,
        },
    )


# --- entering a clue -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clue_create(request):
    """移交问题线索: from an issue (?issue=), a visit's finding (?finding=), or directly. The
    source must be visible to the user (else 404) and its project his to inspect (else 403)."""
    _require_clue_reader(request)
    if not (request.user.is_leader or request.user.is_inspector):
        raise PermissionDenied  # admins read clues, they do not enter them
    issue_id = request.GET.get("issue")
    finding_id = request.GET.get("finding")
    issue = issue_get_for_user(user=request.user, pk=issue_id) if issue_id else None
    finding = finding_get_for_user(user=request.user, pk=finding_id) if finding_id and not issue else None
    origin_project_id = issue.project_id if issue else finding.visit.project_id if finding else None
    if origin_project_id is not None and not user_may_register_on(user=request.user, project_id=origin_project_id):
        raise PermissionDenied
    projects = None if origin_project_id is not None else project_list_visible_to(user=request.user).order_by("name")
    if request.method == "POST":
        form = forms.ClueForm(request.POST, projects=projects)
        subjects = forms.SubjectFormSet(request.POST, prefix="subjects")
        if form.is_valid() and subjects.is_valid():
            data = form.cleaned_data
            try:
                clue = services.clue_register(
                    actor=request.user,
                    project=data.get("project"),
                    issue=issue,
                    finding=finding,
                    title=data["title"],
                    description=data["description"],
                    subjects=[row for row in subjects.cleaned_data if row and row.get("name")],
                )
            except ServiceError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("问题线索 %(code)s 已登记，待移送。") % {"code": clue.code})
                return redirect("clues:detail", pk=clue.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        if issue is not None:
            initial = {"title": issue.title, "description": issue.description}
        elif finding is not None:
            initial = {"title": finding.labelled[:60], "description": finding.text}
        form = forms.ClueForm(initial=initial, projects=projects)
        subjects = forms.SubjectFormSet(prefix="subjects")
        status = 200
    context = {"form": form, "subjects": subjects, "issue": issue, "finding": finding}
    return render(request, "clues/create.html", context, status=status)


# --- the detail and its steps -----------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One form of the detail page: the steps it performs, its form and the service it calls."""

    key: str
    label: Any
    steps: tuple[str, ...]
    actor: Actor  # the least role that may open it (a finer check is the service's)
    form: Callable[..., django_forms.Form]
    perform: Callable[..., Any]
    success: Any


def _dispose_choices(user, clue: Clue) -> list[tuple[str, Any]]:
    return [
        (action, STEPS[action].label)
        for action in DISPOSALS
        if actor_allowed(user=user, clue=clue, actor=STEPS[action].actor)
    ]


PANELS: dict[str, Panel] = {
    panel.key: panel
    for panel in (
        Panel(
            "hand_over",
            gettext_lazy("移送"),
            (A.HAND_OVER,),
            Actor.LEAD,
            lambda clue, user, **kw: forms.HandOverForm(**kw),
            lambda clue, user, data: services.clue_hand_over(
                clue=clue,
                actor=user,
                received_on=data["received_on"],
                handed_over_to=data["handed_over_to"],
                note=data["note"],
                expected_version=data["expected_version"],
            ),
            gettext_lazy("问题线索已移送。"),
        ),
        Panel(
            "verify",
            gettext_lazy("初步核实"),
            (A.VERIFY,),
            Actor.MEMBER,
            lambda clue, user, **kw: forms.StepForm(**kw),
            lambda clue, user, data: services.clue_start_verification(
                clue=clue, actor=user, note=data["note"], on=data["on"], expected_version=data["expected_version"]
            ),
            gettext_lazy("已开始初步核实。"),
        ),
        Panel(
            "dispose",
            gettext_lazy("处置"),
            DISPOSALS,
            Actor.LEAD,
            lambda clue, user, **kw: forms.DisposeForm(disposals=_dispose_choices(user, clue), **kw),
            lambda clue, user, data: services.clue_dispose(
                clue=clue,
                actor=user,
                disposal=data["disposal"],
                note=data["note"],
                on=data["on"],
                expected_version=data["expected_version"],
            ),
            gettext_lazy("处置意见已记录。"),
        ),
        Panel(
            "resume",
            gettext_lazy("恢复核实"),
            (A.RESUME,),
            Actor.LEAD,
            lambda clue, user, **kw: forms.ResumeForm(**kw),
            lambda clue, user, data: services.clue_resume(
                clue=clue, actor=user, note=data["note"], expected_version=data["expected_version"]
            ),
            gettext_lazy("已恢复初步核实。"),
        ),
        Panel(
            "outcome",
            gettext_lazy("登记处理结果"),
            (A.OUTCOME,),
            Actor.LEADER,
            lambda clue, user, **kw: forms.OutcomeForm(clue=clue, **kw),
            lambda clue, user, data: services.clue_record_outcome(
                clue=clue,
                actor=user,
                subject=data["subject"],
                supervision_form=data["supervision_form"],
                party_sanction=data["party_sanction"],
                government_sanction=data["government_sanction"],
                organizational_measure=data["organizational_measure"],
                decided_on=data["decided_on"],
                note=data["note"],
                expected_version=data["expected_version"],
            ),
            gettext_lazy("处理结果已登记。"),
        ),
        Panel(
            "conclude",
            gettext_lazy("审查调查终结"),
            (A.CONCLUDE,),
            Actor.LEADER,
            lambda clue, user, **kw: forms.StepForm(**kw),
            lambda clue, user, data: services.clue_conclude(
                clue=clue, actor=user, note=data["note"], on=data["on"], expected_version=data["expected_version"]
            ),
            gettext_lazy("审查调查已终结。"),
        ),
        Panel(
            "expose",
            gettext_lazy("通报曝光"),
            (A.EXPOSE,),
            Actor.LEADER,
            lambda clue, user, **kw: forms.ExposeForm(clue=clue, **kw),
            lambda clue, user, data: services.clue_expose(
                clue=clue,
                actor=user,
                exposed_on=data["exposed_on"],
                named=data["named"],
                note=data["note"],
                expected_version=data["expected_version"],
            ),
            gettext_lazy("通报曝光已记录。"),
        ),
        Panel(
            "subject",
            gettext_lazy("增加涉及人员"),
            (A.ADD_SUBJECT,),
            Actor.MEMBER,
            lambda clue, user, **kw: forms.AddSubjectForm(**kw),
            lambda clue, user, data: services.clue_add_subject(
                clue=clue,
                actor=user,
                name=data["name"],
                post=data["post"],
                department=data["department"],
                expected_version=data["expected_version"],
            ),
            gettext_lazy("涉及人员已增加。"),
        ),
    )
}


def _open_panels(user, clue: Clue) -> list[Panel]:
    allowed = {step.action for step in steps_for(user=user, clue=clue)}
    if clue.exposed_on is not None:
        allowed.discard(A.EXPOSE)
    if not clue.subjects.all() or all(s.decided_on for s in clue.subjects.all()):
        allowed.discard(A.OUTCOME)
    return [panel for panel in PANELS.values() if allowed.intersection(panel.steps)]


def _render_detail(request, clue: Clue, *, bound: tuple[str, django_forms.Form] | None = None, status: int = 200):
    panels = []
    for panel in _open_panels(request.user, clue):
        if bound is not None and bound[0] == panel.key:
            form = bound[1]
        else:
            form = panel.form(clue, request.user, initial={"expected_version": clue.version}, prefix=panel.key)
        panels.append({"key": panel.key, "label": panel.label, "form": form})
    context = {
        "clue": clue,
        "subjects": list(clue.subjects.all()),
        "events": list(clue.events.all()),
        "panels": panels,
        "open_panel": bound[0] if bound else "",
    }
    return render(request, "clues/detail.html", context, status=status)


@login_required
@require_GET
def clue_detail(request, pk: int):
    return _render_detail(request, clue_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def clue_act(request, pk: int, action: str):
    """One step. Unknown step or clue out of scope: 404; a reader whose role may never take the
    step: 403; the step refused now (state, input, a concurrent change): the page again with the
    form as typed and the reason."""
    clue = clue_get_for_user(user=request.user, pk=pk)
    panel = PANELS.get(action)
    if panel is None:
        raise Http404
    if not actor_allowed(user=request.user, clue=clue, actor=panel.actor):
        raise PermissionDenied
    form = panel.form(clue, request.user, data=request.POST, prefix=panel.key)
    if form.is_valid():
        try:
            panel.perform(clue, request.user, form.cleaned_data)
        except ServiceError as error:
            add_to_form(form, error)
            status = error.http_status
        else:
            messages.success(request, str(panel.success))
            return redirect("clues:detail", pk=clue.pk)
    else:
        status = 400
    clue = clue_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, clue, bound=(panel.key, form), status=status)
