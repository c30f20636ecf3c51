"""Site visit pages: log, read, edit, archive, and the permission-checked attachment download."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files import stored_file_response
from inspections import services
from inspections.forms import FindingFormSet, SiteVisitEditForm, SiteVisitForm, visit_methods_initial
from inspections.selectors import visit_attachment_get_for_user, visit_get_for_user, visit_has_issues
from projects.selectors import (
    project_get_for_user,
    project_ids_for_inspector,
    project_list_visible_to,
    user_can_inspect_project,
)

FINDINGS_PREFIX = "findings"


def _project_for_new_visit(request):
    """The project named by ?project= (or the form's hidden field), if the user inspects it."""
    raw = request.POST.get("project") or request.GET.get("project")
    if not raw:
        return None
    project = project_get_for_user(user=request.user, pk=raw)
    if not user_can_inspect_project(user=request.user, project_id=project.pk):
        raise Http404
    return project


def _projects_to_inspect(user) -> list:
    """The open projects this user may log a visit for (his groups' and valid authorizations')."""
    return list(
        project_list_visible_to(user=user).filter(is_archived=False, pk__in=project_ids_for_inspector(user=user))
    )


def _report(form, error: ValidationError) -> None:
    """Show a service's refusal (stale edit, finding already handed off …) above the form."""
    for message in error.messages:
        form.add_error(None, message)


def _visit_values(form, formset) -> dict:
    """The service arguments shared by create and update, from a valid form and formset."""
    data = form.cleaned_data
    fields = ("visited_on", "place", "methods", "summary", "participants", "is_recheck", "latitude", "longitude")
    return {**{name: data[name] for name in fields}, "findings": formset.findings(), "files": data["files"]}


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    project = _project_for_new_visit(request)
    if project is None:
        # No project chosen yet: offer the projects this inspector may log a visit for.
        if not request.user.is_inspector:
            raise Http404
        return render(request, "inspections/choose_project.html", {"projects": _projects_to_inspect(request.user)})

    if request.method == "POST":
        form = SiteVisitForm(request.POST, request.FILES)
        formset = FindingFormSet(request.POST, prefix=FINDINGS_PREFIX)
        if form.is_valid() and formset.is_valid():
            try:
                visit = services.site_visit_create(
                    actor=request.user,
                    project=project,
                    **_visit_values(form, formset),
                )
            except ValidationError as error:
                _report(form, error)
            else:
                messages.success(request, _("督导检查记录已保存。"))
                return redirect("inspections:detail", pk=visit.pk)
    else:
        # ?recheck=1: a 回头看 visit logged from an issue's 记录回头看 page
        form = SiteVisitForm(
            initial={"visited_on": timezone.localdate(), "is_recheck": request.GET.get("recheck") == "1"}
        )
        formset = FindingFormSet(prefix=FINDINGS_PREFIX, initial=[{}])
    return render(
        request,
        "inspections/form.html",
        {
            "form": form,
            "formset": formset,
            "project": project,
            "visit": None,
            "locked_findings": [],
            "offline_photo_max_side": settings.DUDAO_OFFLINE_PHOTO_MAX_SIDE,
            "upload_max_bytes": settings.DUDAO_UPLOAD_MAX_BYTES,
        },
    )


@login_required
@require_GET
def visit_drafts(request):
    """我的离线草稿: the page is a shell; the drafts themselves live on the device (IndexedDB) and
    are listed by static/js/offline/drafts.js for the signed-in user only. It names the projects
    he may record for, whose visit forms the service worker keeps for use without a network."""
    if not request.user.is_inspector:
        raise Http404
    return render(request, "inspections/drafts.html", {"projects": _projects_to_inspect(request.user)})


@login_required
@require_GET
def visit_detail(request, pk: int):
    visit = visit_get_for_user(user=request.user, pk=pk)
    can_inspect = user_can_inspect_project(user=request.user, project_id=visit.project_id)
    findings = list(visit.findings.all())
    attachments = list(visit.attachments.all())
    # A visit synced from an offline draft is whole once every photo its draft declared arrived.
    draft_photos_received = sum(1 for a in attachments if a.device_index is not None)
    return render(
        request,
        "inspections/detail.html",
        {
            "draft_photos_received": draft_photos_received,
            "draft_photos_missing": (visit.device_photo_count or 0) - draft_photos_received,
            "visit": visit,
            "project": visit.project,
            "findings": findings,
            "photos": [a for a in attachments if a.is_image],
            "documents": [a for a in attachments if not a.is_image],
            "inspectors": list(visit.inspectors.all()),
            "can_inspect": can_inspect,
            "can_archive": can_inspect and not visit_has_issues(visit=visit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk: int):
    visit = visit_get_for_user(user=request.user, pk=pk)
    if not user_can_inspect_project(user=request.user, project_id=visit.project_id):
        raise Http404
    findings = list(visit.findings.all())
    locked = [f for f in findings if getattr(f, "issue", None) is not None]
    editable = [f for f in findings if getattr(f, "issue", None) is None]

    if request.method == "POST":
        form = SiteVisitEditForm(request.POST, request.FILES)
        formset = FindingFormSet(request.POST, prefix=FINDINGS_PREFIX)
        if form.is_valid() and formset.is_valid():
            try:
                services.site_visit_update(
                    visit=visit,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    **_visit_values(form, formset),
                )
            except ValidationError as error:
                _report(form, error)
            else:
                messages.success(request, _("督导检查记录已更新。"))
                return redirect("inspections:detail", pk=visit.pk)
    else:
        form = SiteVisitEditForm(
            initial={
                "visited_on": visit.visited_on,
                "place": visit.place,
                "methods": visit_methods_initial(visit),
                "is_recheck": visit.is_recheck,
                "participants": visit.participants,
                "summary": visit.summary,
                "latitude": visit.latitude,
                "longitude": visit.longitude,
                "version": visit.version,
            }
        )
        formset = FindingFormSet(
            prefix=FINDINGS_PREFIX,
            initial=[{"id": f.pk, "kind": f.kind, "text": f.text} for f in editable] + [{}],
        )
    return render(
        request,
        "inspections/form.html",
        {"form": form, "formset": formset, "project": visit.project, "visit": visit, "locked_findings": locked},
    )


@login_required
@require_POST
def visit_archive(request, pk: int):
    visit = visit_get_for_user(user=request.user, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.site_visit_archive(visit=visit, actor=request.user, expected_version=version)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("inspections:detail", pk=visit.pk)
    messages.success(request, _("检查记录已作废（数据保留，可由管理员恢复）。"))
    return redirect("projects:detail", pk=visit.project_id)


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Serve a visit file to users who may see its project. Images display inline (thumbnails)
    unless ?download=1; everything else downloads."""
    attachment = visit_attachment_get_for_user(user=request.user, pk=pk)
    return stored_file_response(attachment, inline=request.GET.get("download") != "1")
