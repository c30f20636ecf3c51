"""Pages of the Excel 问题清单 import: parse the request, call one service, render. Only inspectors
(those the hand-off service accepts) open them; a batch is its uploader's (others: 404)."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Department
from core.errors import ServiceError, add_to_form
from core.files import stored_file_response
from intake import selectors, services
from intake.errors import IntakeNotAllowed
from intake.forms import ConfirmForm, UploadForm
from intake.models import BatchStatus, ImportBatch
from intake.sheet import COLUMNS, DEADLINE_KEYS, TemplateLists, template_xlsx
from intake.validation import Deadlines
from issues.errors import IssuePermissionDenied
from issues.models import Issue, IssueCategory, IssueSeverity
from issues.rules import check_hand_off
from projects.models import Project
from projects.selectors import project_ids_for_inspector
from reports.documents.letters import handoff_letter_docx
from reports.export_jobs import LETTERS_INLINE_MAX_ISSUES, export_job_create
from reports.export_views import export_offer, export_started
from reports.models import ExportKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PREVIEW_PAGE_ROWS = 100
BATCH_PAGE_SIZE = 20


def _may_import(request) -> None:
    """Inspectors only, as the hand-off service decides (issues.rules.check_hand_off): 403 otherwise."""
    try:
        check_hand_off(user=request.user)
    except IssuePermissionDenied as error:
        raise PermissionDenied(str(error)) from None


def _batch(request, pk: int) -> ImportBatch:
    _may_import(request)
    return selectors.batch_get_for_user(user=request.user, pk=pk)


def _attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_GET
def template_download(request):
    """The 问题清单 template with this inspector's projects and the departments in its dropdowns."""
    _may_import(request)
    projects = Project.objects.filter(pk__in=project_ids_for_inspector(user=request.user)).order_by("name")
    lists = TemplateLists(
        projects=list(projects.values_list("name", flat=True)),
        departments=list(Department.objects.rectifying().order_by("kind", "name").values_list("name", flat=True)),
        categories=[str(label) for label in IssueCategory.labels],
        severities=[str(label) for label in IssueSeverity.labels],
    )
    today = timezone.localdate()
    content = template_xlsx(lists=lists, today=today)
    return _attachment(content, filename=f"问题清单模板-{today:%Y%m%d}.xlsx", content_type=XLSX)


@login_required
@require_GET
def batch_list(request):
    _may_import(request)
    page = Paginator(selectors.batch_list_for(user=request.user), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/batch_list.html", {"page": page, "batches": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _may_import(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.import_batch_upload(actor=request.user, upload=form.cleaned_data["file"])
            except ServiceError as error:
                add_to_form(form, error)
            else:
                return redirect("intake:detail", pk=batch.pk)
    else:
        form = UploadForm()
    return render(request, "intake/upload.html", {"form": form, "columns": COLUMNS})


def _row_view(row, deadlines: Deadlines | None) -> dict:
    """A preview line: each column's text with its error flag, the messages, the deadlines as of today."""
    flagged = {error["column"] for error in row.errors}
    dates = {}
    if deadlines is not None and row.is_valid:
        for key, rule in (row.resolved.get("deadlines") or {}).items():
            dates[key] = deadlines.deadline(rule)
    cells = []
    for column in COLUMNS:
        text = row.cells.get(column.key, "")
        shown = dates.get(column.key)
        cells.append(
            {
                "key": column.key,
                "label": column.header,
                "is_deadline": column.key in DEADLINE_KEYS,
                "text": text,
                "error": column.key in flagged,
                "resolved": f"{shown:%Y-%m-%d}" if shown and text != f"{shown:%Y-%m-%d}" else "",
            }
        )
    return {
        "number": row.number,
        "cells": cells,
        "errors": [error["message"] for error in row.errors],
        "row_error": "" in flagged,
        "is_valid": row.is_valid,
        "issue": row.issue,
    }


@login_required
@require_GET
def batch_detail(request, pk: int):
    """The preview of a waiting batch (errors per row and cell, counts, the confirm form) or what a
    handed-off batch became (its issues, one 交办函 per department)."""
    batch = _batch(request, pk)
    show = request.GET.get("show", "")
    if show not in selectors.ROW_FILTERS:
        show = "errors" if batch.is_pending and batch.error_count else "all"
    rows = selectors.batch_rows(batch=batch, show=show)
    page = Paginator(rows, PREVIEW_PAGE_ROWS).get_page(request.GET.get("page"))
    # Deadlines in working days are shown as the dates they would be if confirmed today.
    deadlines = Deadlines(timezone.localdate())
    context = {
        "batch": batch,
        "show": show,
        "page": page,
        "rows": [_row_view(row, deadlines if batch.is_pending else None) for row in page.object_list],
        "columns": COLUMNS,
        "letters": selectors.batch_letters(batch=batch) if batch.status == BatchStatus.HANDED_OFF else [],
        "confirm_form": ConfirmForm(),
    }
    return render(request, "intake/batch_detail.html", context)


@login_required
@require_POST
def confirm(request, pk: int):
    """Check the rows again as of now, then hand them off (all, or only the valid ones when he
    ticked it). A second submission finds the batch handed off and hands nothing off again."""
    batch = _batch(request, pk)
    form = ConfirmForm(request.POST)
    only_valid = form.is_valid() and form.cleaned_data["only_valid"]
    try:
        turned = services.import_batch_revalidate(batch=batch, actor=request.user)
        if turned:
            messages.warning(
                request,
                _("自预览以来有%(n)s行情况发生变化（如相同问题已被交办、日期已过），已标为错误，请重新查看后再确认。")
                % {"n": turned},
            )
            return redirect("intake:detail", pk=batch.pk)
        if batch.valid_count > settings.DUDAO_INTAKE_SYNC_ROWS:
            services.import_batch_queue(batch=batch, actor=request.user, only_valid=only_valid)
            messages.info(
                request,
                _("已确认，%(count)s件问题正在后台逐件交办，完成后本页显示结果；期间请勿重复提交。")
                % {"count": batch.valid_count},
            )
            return redirect("intake:detail", pk=batch.pk)
        batch = services.import_batch_confirm(batch=batch, actor=request.user, only_valid=only_valid)
    except IntakeNotAllowed as error:
        messages.info(request, str(error))
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("已交办%(count)s件问题，已为%(departments)s个责任单位生成交办函。")
            % {"count": batch.handed_off_count, "departments": batch.letters.count()},
        )
    return redirect("intake:detail", pk=batch.pk)


@login_required
@require_POST
def abandon(request, pk: int):
    batch = _batch(request, pk)
    try:
        services.import_batch_abandon(batch=batch, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已放弃本次导入，未交办任何问题；上传的文件仍保留在导入记录中。"))
    return redirect("intake:detail", pk=batch.pk)


@login_required
@require_GET
def source_file(request, pk: int):
    """The uploaded file itself, as it was received (kept with the batch)."""
    return stored_file_response(_batch(request, pk), inline=False)


def _letter_or_404(request, pk: int, department_pk: int):
    """The batch (the user's, as every batch page checks) and its letter to the department."""
    batch = _batch(request, pk)
    letter = selectors.batch_letters(batch=batch).filter(department_id=department_pk).first()
    if letter is None:
        raise Http404
    return batch, letter


@login_required
@require_POST
def letter_job(request, pk: int, department_pk: int):
    """The background job of a letter past the inline bound (its offer page posts here): the
    batch is checked here as the letter link checks it, then the job is the reports' export."""
    batch, _letter = _letter_or_404(request, pk, department_pk)
    try:
        job = export_job_create(
            user=request.user, kind=ExportKind.HANDOFF_LETTERS, batch=batch.pk, department=department_pk
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(reverse("intake:detail", kwargs={"pk": batch.pk}) + "#letters")
    return export_started(request, job)


@login_required
@require_GET
def letter_docx(request, pk: int, department_pk: int):
    """The batch's 交办函 to one lead department (its number was taken when the batch was handed off)."""
    batch, letter = _letter_or_404(request, pk, department_pk)
    if letter.issue_count > LETTERS_INLINE_MAX_ISSUES:
        # A batch may hold up to DUDAO_INTAKE_MAX_ROWS rows for one department (~9 ms an issue):
        # past the inline bound the letter is built by the background job, as the ledger's.
        return export_offer(
            request,
            kind=ExportKind.HANDOFF_LETTERS,
            count=letter.issue_count,
            fields=[],
            action=reverse("intake:letter_job", kwargs={"pk": batch.pk, "department_pk": department_pk}),
            back_url=reverse("intake:detail", kwargs={"pk": batch.pk}) + "#letters",
            back_label=_("返回导入批次"),
        )
    issues = list(
        Issue.objects.filter(import_row__batch=batch, lead_department_id=department_pk)
        .select_related("project", "lead_department", "handed_off_by")
        .prefetch_related("assisting_departments")
        .order_by("handed_off_at", "id")
    )
    content = handoff_letter_docx(issues=issues, actor=request.user)
    return _attachment(content, filename=f"问题交办函-{letter.department.name}-批次{batch.pk}.docx", content_type=DOCX)
