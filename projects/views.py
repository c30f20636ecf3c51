"""Pages that keep a project's procedure stages and factor guarantees. Readers of the project who
do not keep its records (leaders, authorized inspectors outside its groups) are refused with a
message (403); anyone who may not read the project gets 404. Each save calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from projects import services
from projects.forms import FactorGuaranteeForm, ProcedureStageForm
from projects.models import FactorGuarantee, ProcedureStage, Project
from projects.selectors import project_get_for_user


def _keeper_project(request, pk: int) -> Project:
    project = project_get_for_user(user=request.user, pk=pk)
    services.require_keeper(actor=request.user, project=project)  # the page refuses as the service does
    return project


def _apply_service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        form.add_error(None, error)


def _render(request, template: str, context: dict, form) -> object:
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def stage_create(request, pk: int):
    project = _keeper_project(request, pk)
    form = ProcedureStageForm(request.POST or None, initial={"status": ProcedureStage.Status.NOT_STARTED})
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.procedure_stage_create(actor=request.user, project=project, **form.service_values())
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("已登记手续环节：%(stage)s") % {"stage": stage.get_kind_display()})
            return redirect("projects:detail", project.pk)
    return _render(request, "projects/stage_form.html", {"project": project, "stage": None}, form)


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk: int, stage_pk: int):
    project = _keeper_project(request, pk)
    stage = get_object_or_404(ProcedureStage, pk=stage_pk, project=project)
    initial = {name: getattr(stage, name) for name in services.STAGE_FIELDS}
    form = ProcedureStageForm(request.POST or None, initial={**initial, "expected_version": stage.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.procedure_stage_update(
                actor=request.user,
                stage=stage,
                expected_version=form.cleaned_data["expected_version"] or stage.version,
                **form.service_values(),
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("已更新手续环节：%(stage)s") % {"stage": stage.get_kind_display()})
            return redirect("projects:detail", project.pk)
    history = stage.events.select_related("actor")
    return _render(request, "projects/stage_form.html", {"project": project, "stage": stage, "history": history}, form)


@login_required
@require_http_methods(["GET", "POST"])
def factor_create(request, pk: int):
    project = _keeper_project(request, pk)
    taken = set(project.factors.values_list("factor", flat=True))
    free = [value for value in FactorGuarantee.Factor.values if value not in taken]
    form = FactorGuaranteeForm(request.POST or None, initial={"factor": request.GET.get("factor") or (free or [""])[0]})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.factor_guarantee_create(
                actor=request.user,
                project=project,
                factor=form.cleaned_data["factor"],
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("已登记要素保障：%(factor)s") % {"factor": record.get_factor_display()})
            return redirect("projects:detail", project.pk)
    return _render(request, "projects/factor_form.html", {"project": project, "factor": None}, form)


@login_required
@require_http_methods(["GET", "POST"])
def factor_edit(request, pk: int, factor_pk: int):
    project = _keeper_project(request, pk)
    record = get_object_or_404(FactorGuarantee, pk=factor_pk, project=project)
    form = FactorGuaranteeForm(
        request.POST or None,
        editing=True,
        initial={"status": record.status, "note": record.note, "expected_version": record.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.factor_guarantee_update(
                actor=request.user,
                factor=record,
                expected_version=form.cleaned_data["expected_version"] or record.version,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("已更新要素保障：%(factor)s") % {"factor": record.get_factor_display()})
            return redirect("projects:detail", project.pk)
    history = record.events.select_related("actor")
    return _render(
        request, "projects/factor_form.html", {"project": project, "factor": record, "history": history}, form
    )
