"""回头看 pages: an issue re-checked on a re-check visit (issues.IssueRecheck). The page composes an
issue (issues) with the visits of its project (inspections), so it lives on the top floor; the
write is issues.services.issue_recheck_record.

- /rechecks/issue/<pk>/new/  record what a re-check visit found for one submitted or closed issue
- /rechecks/visit/<pk>/      the issues a re-check visit covers: recorded results and what is left
(The photos download from issues:recheck_photo, beside the issue's evidence.)
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from inspections.forms import MultipleFileField
from inspections.models import SiteVisit
from inspections.selectors import visit_get_for_user
from issues import services
from issues.errors import IssueWorkflowError
from issues.models import IssueRecheck, RecheckResult
from issues.selectors import issue_get_for_user, issue_list_visible_to
from projects.selectors import user_can_inspect_project


class RecheckForm(forms.Form):
    visit = forms.ModelChoiceField(
        label=gettext_lazy("回头看检查记录"),
        queryset=SiteVisit.objects.none(),
        empty_label=gettext_lazy("请选择"),
        error_messages={"required": gettext_lazy("请选择回头看检查记录。")},
    )
    result = forms.ChoiceField(
        label=gettext_lazy("回头看结论"),
        choices=RecheckResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择回头看结论。")},
    )
    note = forms.CharField(
        label=gettext_lazy("回头看情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("未整改到位或反弹时必填：写明现场看到的情况"),
    )
    files = MultipleFileField(label=gettext_lazy("现场照片"), help_text=gettext_lazy("至少一张照片"))  # type: ignore[assignment]  # a form field named "files": the stubs know only BaseForm.files

    def __init__(self, *args, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit"].queryset = visits
        self.fields["visit"].label_from_instance = lambda visit: f"{visit.visited_on:%Y-%m-%d} · {visit.place}"


def _inspected_issue(request, pk: int):
    issue = issue_get_for_user(user=request.user, pk=pk)
    if not user_can_inspect_project(user=request.user, project_id=issue.project_id):
        raise PermissionDenied(_("只有本项目的督导人员可以记录回头看。"))
    return issue


@login_required
@require_http_methods(["GET", "POST"])
def recheck_create(request, pk: int):
    """记录回头看 of one issue: choose the re-check visit (or log one first), the result, photos."""
    issue = _inspected_issue(request, pk)
    visits = services.recheck_visits_for(issue=issue)
    form = RecheckForm(
        request.POST or None, request.FILES or None, visits=visits, initial={"visit": request.GET.get("visit")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recheck = services.issue_recheck_record(
                issue=issue,
                actor=request.user,
                visit=data["visit"],
                result=data["result"],
                note=data["note"],
                files=data["files"],
            )
        except IssueWorkflowError as error:
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, str(error))
        else:
            messages.success(
                request,
                _("已记录回头看：%(result)s。") % {"result": recheck.get_result_display()},
            )
            return redirect("issues:detail", issue.pk)
    context = {
        "issue": issue,
        "form": form,
        "has_visits": visits.exists(),
        "rechecks": issue.rechecks.select_related("visit", "recorded_by").prefetch_related("photos"),
        "recheck_possible": issue.status in services.RECHECK_STATUSES,
        "required": services.recheck_required(issue=issue),
    }
    return render(request, "desk/recheck_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def visit_rechecks(request, pk: int):
    """The issues a re-check visit covers: what was recorded on it, and the project's submitted or
    closed issues still to re-check (each links to the record page)."""
    visit = visit_get_for_user(user=request.user, pk=pk)
    if not visit.is_recheck:
        raise Http404
    recorded = list(
        IssueRecheck.objects.filter(visit=visit, issue__in=issue_list_visible_to(user=request.user))
        .select_related("issue", "recorded_by")
        .prefetch_related("photos")
        .order_by("issue__code")
    )
    done = {recheck.issue_id for recheck in recorded}
    to_recheck = list(
        issue_list_visible_to(user=request.user)
        .filter(project_id=visit.project_id, status__in=services.RECHECK_STATUSES)
        .exclude(pk__in=done)
        .order_by("status", "-submitted_at", "pk")
    )
    return render(
        request,
        "desk/visit_rechecks.html",
        {
            "visit": visit,
            "recorded": recorded,
            "to_recheck": to_recheck,
            "can_inspect": user_can_inspect_project(user=request.user, project_id=visit.project_id),
        },
    )
