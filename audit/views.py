"""The audit page: a filtered list of recorded change events with links to the changed objects."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from audit.forms import AuditFilterForm
from audit.selectors import audit_available, audit_event_page, audit_visible_to

# Where a tracked object has its own page (leaders and admins may open any of them).
OBJECT_PAGES = {
    "issues.Issue": "issues:detail",
    "projects.Project": "projects:detail",
    "inspections.SiteVisit": "inspections:detail",
    "dispatch.DispatchMeeting": "dispatch:meeting_detail",
}


def _object_url(model_label: str, object_id: str) -> str:
    name = OBJECT_PAGES.get(model_label)
    if not name or not object_id:
        return ""
    try:
        return reverse(name, args=[int(object_id)])
    except (NoReverseMatch, ValueError):
        return ""


@require_GET
@login_required
def event_list(request):
    """审计记录: who changed what, when, from which page — per object and per user."""
    if not audit_visible_to(user=request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "model_label": data["model"] or None,
            "object_id": data["object"] or None,
            "actor_id": data["actor"].pk if data["actor"] else None,
            "action": data["action"] or None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    page, rows = (
        audit_event_page(user=request.user, page_number=request.GET.get("page", 1), **filters)
        if not form.is_bound or form.is_valid()
        else (None, [])
    )
    for row in rows:
        row.object_url = _object_url(row.model_label, row.object_id)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "rows": rows, "available": audit_available(), "query": query.urlencode()},
    )
