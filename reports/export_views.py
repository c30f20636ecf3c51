"""Background exports' pages: ask for one (POST, from the ledger and summary pages), watch its
progress (htmx polls a fragment every two seconds until it ends), 我的导出, and the download —
the owner's only, with the owner's scope checked again (export_scope_still_covers)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ServiceError
from reports.export_jobs import export_job_create, export_scope_still_covers
from reports.models import ExportKind, ExportState
from reports.selectors import export_job_get_for_user, export_job_list_for

PAGE_SIZE = 20
POLL_SECONDS = 2


@login_required
@require_POST
def export_create(request):
    """Record the export asked for and go to its progress page; a refusal goes back where the
    user came from with the reason."""
    try:
        job = export_job_create(
            user=request.user,
            kind=request.POST.get("kind", ""),
            query=request.POST.get("query", ""),
            month=request.POST.get("month", ""),
            scope=request.POST.get("scope", ""),
        )
    except ServiceError as error:
        messages.error(request, str(error))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        return redirect(back or "reports:export_list")
    return export_started(request, job)


def export_started(request, job):
    """The answer to a POST that queued an export job: its progress page, with word that the user
    may leave (export_create, and intake's letter of an import batch)."""
    messages.success(request, _("已开始生成导出文件。可以离开本页，完成后会在消息中通知您。"))
    return redirect("reports:export_detail", pk=job.pk)


def export_offer(
    request,
    *,
    kind: str,
    fields: list[tuple[str, str]],
    back_url: str,
    back_label: str,
    count: int | None = None,
    action: str = "",
):
    """A GET that would build a file taking seconds offers the background job instead: a page
    with a POST carrying `fields` to export_create, or to `action` (a view that checks what
    export_create cannot, e.g. intake's import batch), and a way back."""
    return render(
        request,
        "reports/export_offer.html",
        {
            "kind": kind,
            "kind_label": ExportKind(kind).label,
            "count": count,
            "fields": fields,
            "back_url": back_url,
            "back_label": back_label,
            "action": action or reverse("reports:export_create"),
        },
    )


@login_required
@require_GET
def export_list(request):
    """我的导出: the user's own jobs, newest first."""
    page = Paginator(export_job_list_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/export_list.html",
        {"page": page, "poll_seconds": POLL_SECONDS, "retention_hours": settings.DUDAO_EXPORT_RETENTION_HOURS},
    )


@login_required
@require_GET
def export_detail(request, pk: int):
    """One job with its progress bar; htmx asks again for the fragment alone while it runs."""
    job = export_job_get_for_user(user=request.user, pk=pk)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return render(request, "reports/partials/export_progress.html", context)
    return render(request, "reports/export_detail.html", context)


@login_required
@require_GET
def export_download(request, pk: int):
    """The file, to its owner only (anyone else: 404, as a missing job), while the owner's scope
    still covers what it holds (else 404 too). An expired or unfinished job goes to its page."""
    job = export_job_get_for_user(user=request.user, pk=pk)
    if not export_scope_still_covers(user=request.user, job=job):
        raise Http404
    if job.state != ExportState.DONE or not job.file:
        if job.state == ExportState.EXPIRED:
            messages.warning(request, _("该导出文件已过期删除，请重新生成。"))
        return redirect("reports:export_detail", pk=job.pk)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.filename)
