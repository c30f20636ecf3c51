"""Issue pages: the ledger (整改台账), the detail with its action panels, the hand-off form and
evidence downloads. Every issue is fetched through issues.selectors (out of scope = 404); every
write is one call to issues.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dataversion import (
    CALENDAR,
    CountedRows,
    count_domains,
    data_versions,
    query_pairs,
    scoped_cache_key,
    versions_key,
)
from core.errors import ServiceError, add_to_form
from core.files import stored_file_response
from core.templatetags.dudao import light_css as light_css_class
from core.workdays import WorkCalendar, working_days_between
from inspections.models import Finding
from inspections.selectors import finding_get_for_user
from issues import forms, services
from issues.errors import IssuePermissionDenied
from issues.filters import filtered_total, issue_filter_for, issue_rows_by_id, searches_text
from issues.models import (
    VERIFICATION_STATUSES,
    EvidenceFile,
    EvidenceReview,
    ExtensionRequest,
    Issue,
    IssueCategory,
    IssueSeverity,
    IssueStatus,
    Light,
    ProgressUpdate,
)
from issues.rules import actor_may, allowed_actions, check_hand_off, refusal
from issues.selectors import evidence_get_for_user, issue_get_for_user, recheck_photo_get_for_user
from issues.templatetags.issues_tags import status_badge as status_badge_class
from issues.workflow import WORKFLOW, IssueAction, Step
from projects.models import Project
from projects.selectors import project_ids_for_inspector, user_can_inspect_project

LEDGER_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger line with every label and date already worked out: the table and the phone
    cards only print these (a page of 20 rows was mostly template lookups and translations)."""

    url: str
    code: str
    title: str
    kind: str  # category, and the severity when not general
    project: str
    lead_department: str
    assisting: str
    status_label: str
    status_badge: str
    light: str
    light_css: str
    light_label: str
    handed_off_on: str
    deadline: str
    overdue: str  # "逾期 N 个工作日", or empty


# What a ledger line shows, read with values(): no model instances for a page of rows.
LEDGER_ROW_COLUMNS = (
    "id",
    "code",
    "title",
    "category",
    "severity",
    "status",
    "project__name",
    "lead_department__name",
    "lead_department__short_name",
    "handed_off_at",
    "rectification_deadline",
    "light_code",
)


def ledger_rows(rows: Iterable[dict], today: dt.date, *, version: int | str | None = None) -> list[LedgerRow]:
    """The lines of one page from their values() rows, in three queries whatever the page holds:
    the rows (already read by the caller), their assisting departments, and ONE holiday lookup
    for every overdue count on the page."""
    rows = list(rows)
    assisting: dict[int, list[str]] = {}
    links = Issue.assisting_departments.through.objects.filter(issue_id__in=[row["id"] for row in rows])
    for issue_id, name, short_name in links.order_by("department__name").values_list(
        "issue_id", "department__name", "department__short_name"
    ):
        assisting.setdefault(issue_id, []).append(short_name or name)  # Department.display_name's rule
    # red = the department still owes work and the deadline has passed (issues.lights)
    overdue = [row["rectification_deadline"] for row in rows if row["light_code"] == Light.RED]
    calendar = WorkCalendar.for_span(min(overdue, default=today), today, version=version)
    categories, severities, statuses, lights = (
        dict(choices.choices) for choices in (IssueCategory, IssueSeverity, IssueStatus, Light)
    )
    lines = []
    for row in rows:
        light = row["light_code"]
        days = calendar.workdays_after(row["rectification_deadline"], today) if light == Light.RED else 0
        kind = str(categories.get(row["category"], row["category"]))
        if row["severity"] != IssueSeverity.GENERAL:
            kind = f"{kind} · {severities.get(row['severity'], row['severity'])}"
        lines.append(
            LedgerRow(
                url=reverse("issues:detail", args=[row["id"]]),
                code=row["code"],
                title=row["title"],
                kind=kind,
                project=row["project__name"],
                lead_department=row["lead_department__short_name"] or row["lead_department__name"],
                assisting="、".join(assisting.get(row["id"], ())),
                status_label=str(statuses.get(row["status"], row["status"])),
                status_badge=status_badge_class(row["status"]),
                light=light,
                light_css=light_css_class(light),
                light_label=str(lights.get(light, "")),
                handed_off_on=f"{timezone.localtime(row['handed_off_at']):%Y-%m-%d}",
                deadline=f"{row['rectification_deadline']:%Y-%m-%d}",
                overdue=ngettext("逾期 %(days)s 个工作日", "逾期 %(days)s 个工作日", days) % {"days": days}
                if days
                else "",
            )
        )
    return lines


# (key for ?ordering=, label, hidden on phones)
LEDGER_COLUMNS = (
    ("code", gettext_lazy("编号"), False),
    ("", gettext_lazy("问题"), False),
    ("project", gettext_lazy("所属项目"), True),
    ("lead_department", gettext_lazy("责任单位"), True),
    ("status", gettext_lazy("状态"), False),
    ("", gettext_lazy("红黄绿灯"), False),
    ("handed_off_at", gettext_lazy("交办时间"), True),
    ("rectification_deadline", gettext_lazy("整改时限"), False),
)


LEDGER_FOLDED_FILTERS = (
    "project",
    "lead_department",
    "status",
    "light",
    "category",
    "group",
    "returned",
    "month",
    "closed_month",
    "on_time",
    "withdrawn",
    "withdrawn_month",
)
# Shown behind “更多条件” on every screen: mostly reached through dashboard/summary drill-downs.
LEDGER_EXTRA_FILTERS = ("closed_month", "on_time", "withdrawn", "withdrawn_month")


def _sort_columns(request) -> list[dict]:
    """Header links: a click sorts by the column, a second click reverses it; filters are kept."""
    current = request.GET.get("ordering", "")
    columns = []
    for key, label, narrow in LEDGER_COLUMNS:
        column = {"label": label, "narrow": narrow, "url": "", "state": ""}
        if key:
            query = request.GET.copy()
            query.pop("page", None)
            column["state"] = "asc" if current == key else "desc" if current == f"-{key}" else ""
            query["ordering"] = f"-{key}" if current == key else key
            column["url"] = f"?{query.urlencode()}"
        columns.append(column)
    return columns


def _active_filters(filterset, request) -> list[dict]:
    """One removable chip per filter in force, so a drill-down says why the list is short. Reads
    the cleaned values only (no query: a chosen project or group was already fetched to validate)."""
    form = filterset.form
    chips = []
    for name, value in form.cleaned_data.items():
        if name == "ordering" or value in (None, "", [], ()):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ()) if not hasattr(field, "queryset") else {}
        shown = choices.get(value, value)
        query = request.GET.copy()
        query.pop(name, None)
        query.pop("page", None)
        chips.append({"name": name, "label": field.label, "value": str(shown), "remove_url": f"?{query.urlencode()}"})
    return chips


# --- ledger -------------------------------------------------------------------------------


@login_required
@require_GET
def issue_ledger(request):
    versions = data_versions(request)
    calendar = versions_key(versions, CALENDAR)
    # The total's key before the read (see scoped_cache_key); the same total for every page and sort.
    params = query_pairs(request.GET, skip=("page", "ordering"))
    count_key = scoped_cache_key("ledger-count", user=request.user, params=params)
    filterset = issue_filter_for(
        user=request.user, data=request.GET, request=request, version=calendar, versions=versions
    )
    counted = CountedRows(
        filterset.qs,
        columns=LEDGER_ROW_COLUMNS,
        count_key=count_key,
        version=versions_key(versions, count_domains(request.GET, reads_text=searches_text)),
        count=lambda: filtered_total(filterset, user=request.user),
        rows_by_id=issue_rows_by_id(filterset.qs),
    )
    page = Paginator(counted, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": ledger_rows(page.object_list, timezone.localdate(), version=calendar),
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "ordering": request.GET.get("ordering", ""),
        "sort_columns": _sort_columns(request),
        "can_hand_off": request.user.is_inspector,
        "chips": _active_filters(filterset, request),
        "extra_filters": LEDGER_EXTRA_FILTERS,
        "extra_open": any(request.GET.get(name) for name in LEDGER_EXTRA_FILTERS)
        or any(name in filterset.form.errors for name in LEDGER_EXTRA_FILTERS),
        "filters_open": bool(filterset.form.errors) or any(request.GET.get(name) for name in LEDGER_FOLDED_FILTERS),
    }
    template = "issues/partials/ledger_table.html" if request.htmx else "issues/ledger.html"
    return render(request, template, context)


# --- detail and actions -------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """What the page adds to a row of the workflow table: the panel's form and its thank-you."""

    form: type[forms.VersionedForm]
    success: str
    step: Step

    @property
    def label(self) -> str:  # the panel's title and button: the table's label
        return self.step.label


# The panels a page offers: every action of the workflow table, in the table's order.
PANELS = {
    IssueAction.SIGN: (forms.SignForm, gettext_lazy("已签收，问题进入整改。")),
    IssueAction.PROGRESS: (forms.ProgressForm, gettext_lazy("整改进展已报送。")),
    IssueAction.NOTE: (forms.ProgressForm, gettext_lazy("协办说明已添加。")),
    IssueAction.EXTENSION_REQUEST: (forms.ExtensionRequestForm, gettext_lazy("延期申请已提交，等待督导组审批。")),
    IssueAction.SUBMIT: (forms.SubmitForm, gettext_lazy("已提交核验，等待督导组核验销号。")),
    IssueAction.REVIEW_EVIDENCE: (forms.EvidenceReviewForm, gettext_lazy("审核结论已记录。")),
    IssueAction.PROPOSE_CLOSE: (forms.ProposeCloseForm, gettext_lazy("已提出销号，等待组长确认。")),
    IssueAction.RETURN: (forms.ReturnForm, gettext_lazy("问题已退回重办。")),
    IssueAction.CONFIRM_CLOSE: (forms.ConfirmCloseForm, gettext_lazy("问题已确认销号。")),
    IssueAction.REJECT_CLOSE: (forms.RejectCloseForm, gettext_lazy("销号建议已退回核验。")),
    IssueAction.EXTENSION_DECIDE: (forms.ExtensionDecideForm, gettext_lazy("延期申请已审批。")),
    IssueAction.WITHDRAW: (forms.WithdrawForm, gettext_lazy("问题已撤销。")),
    IssueAction.INSTRUCT: (forms.InstructionForm, gettext_lazy("批示已发出。")),
    IssueAction.EDIT: (forms.IssueEditForm, gettext_lazy("交办内容已修改。")),
}
ACTIONS: dict[IssueAction, ActionSpec] = {
    action: ActionSpec(*PANELS[action], step=step) for action, step in WORKFLOW.items() if action in PANELS
}


def _evidence_choices(updates: Iterable[ProgressUpdate]) -> list[tuple[int, str]]:
    """(id, "file — current verdict") of every evidence file, from updates read with their evidence
    and its reviews: what the 审核佐证材料 panel offers."""
    choices = []
    for update in updates:
        for evidence in update.evidence.all():
            reviews = evidence.review_history
            state = reviews[-1].get_verdict_display() if reviews else _("未审核")
            choices.append((evidence.pk, f"{evidence.original_name}（{state}）"))
    return choices


def _form_kwargs(action: IssueAction, evidence: list[tuple[int, str]]) -> dict:
    if ACTIONS[action].form is forms.ProgressForm:
        return {"lead": action != IssueAction.NOTE}
    if action == IssueAction.REVIEW_EVIDENCE:
        return {"evidence": evidence}
    return {}


def _unbound_form(action: IssueAction, issue: Issue, pending: ExtensionRequest | None, evidence: list):
    initial = {"expected_version": issue.version}
    if action == IssueAction.EDIT:
        initial.update(
            title=issue.title,
            description=issue.description,
            category=issue.category,
            severity=issue.severity,
            sign_deadline=issue.sign_deadline,
            rectification_deadline=issue.rectification_deadline,
        )
    if action == IssueAction.EXTENSION_DECIDE and pending is not None:
        initial["extension"] = pending.pk
    return ACTIONS[action].form(initial=initial, prefix=action.value, **_form_kwargs(action, evidence))


def _updates_of(issue: Issue) -> list[ProgressUpdate]:
    """Progress updates with their evidence and each file's reviews (history, oldest first)."""
    evidence = EvidenceFile.objects.order_by("uploaded_at", "id").prefetch_related(
        Prefetch("reviews", queryset=EvidenceReview.objects.select_related("reviewer").order_by("created_at", "id"))
    )
    return list(
        issue.updates.select_related("author", "department").prefetch_related(Prefetch("evidence", queryset=evidence))
    )


def _render_detail(request, issue: Issue, *, bound: tuple[IssueAction, forms.VersionedForm] | None = None, status=200):
    today = timezone.localdate()
    extensions = list(issue.extension_requests.select_related("requested_by", "decided_by"))
    pending = next((ext for ext in extensions if ext.status == ExtensionRequest.Status.PENDING), None)
    actions = allowed_actions(request.user, issue, pending_extension=pending is not None)
    updates = _updates_of(issue)
    evidence = _evidence_choices(updates) if IssueAction.REVIEW_EVIDENCE in actions else []
    panel_forms = {action: _unbound_form(action, issue, pending, evidence) for action in ACTIONS if action in actions}
    if bound is not None:
        panel_forms[bound[0]] = bound[1]
    # A submission waits for the extension decision: say so where the button would be.
    submit_waits = (
        pending is not None
        and issue.status in WORKFLOW[IssueAction.SUBMIT].sources
        and actor_may(IssueAction.SUBMIT, request.user, issue)
    )
    if issue.is_open:
        days_left = working_days_between(today, issue.rectification_deadline)
    else:
        days_left = None
    context = {
        "issue": issue,
        "today": today,
        "light": issue.light(today),
        "days_left": days_left,
        "overdue_days": -days_left if days_left is not None and issue.is_overdue(today) else 0,
        "sign_overdue": issue.is_sign_overdue(today),
        "assisting": list(issue.assisting_departments.all()),
        "instructions": list(issue.instructions.select_related("leader")),
        "updates": updates,
        "extensions": extensions,
        "pending_extension": pending,
        "submit_waits_for_extension": submit_waits,
        "events": list(issue.events.select_related("actor")),
        # 回头看 (recorded on desk's re-check page by the project's inspectors)
        "rechecks": list(issue.rechecks.select_related("visit", "recorded_by").prefetch_related("photos")),
        "can_recheck": issue.status in services.RECHECK_STATUSES
        and user_can_inspect_project(user=request.user, project_id=issue.project_id),
        # said while the 销号 is being decided
        "recheck_required": issue.status in VERIFICATION_STATUSES and services.recheck_required(issue=issue),
        "panels": [(action, ACTIONS[action], form) for action, form in panel_forms.items()],
        "open_panel": bound[0].value if bound else "",
    }
    return render(request, "issues/detail.html", context, status=status)


@login_required
@require_GET
def issue_detail(request, pk: int):
    issue = issue_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, issue)


@login_required
@require_POST
def issue_act(request, pk: int, action: str):
    """One POST endpoint per action: parse the form, call one service, redirect; errors re-render
    the detail page with the form as typed."""
    issue = issue_get_for_user(user=request.user, pk=pk)
    try:
        action = IssueAction(action)
    except ValueError:
        raise Http404 from None
    if action == IssueAction.PROGRESS and not actor_may(IssueAction.PROGRESS, request.user, issue):
        action = IssueAction.NOTE  # assisting departments post the same progress form
    if action not in ACTIONS:
        raise Http404
    spec = ACTIONS[action]
    refused = refusal(action, request.user, issue)
    if refused is not None:
        raise PermissionDenied(refused)
    evidence = _evidence_choices(_updates_of(issue)) if action == IssueAction.REVIEW_EVIDENCE else []
    form = spec.form(request.POST, request.FILES, prefix=action.value, **_form_kwargs(action, evidence))
    form.files_dropped = bool(request.FILES)  # the browser will not re-send them: the page says so
    if form.is_valid():
        try:
            services.issue_act(action=action, issue=issue, actor=request.user, **form.service_arguments(spec.step))
        except ServiceError as error:
            add_to_form(form, error)
        else:
            messages.success(request, spec.success)
            return redirect("issues:detail", pk=issue.pk)
    issue.refresh_from_db()
    return _render_detail(request, issue, bound=(action, form))


@login_required
@require_GET
def evidence_download(request, pk: int):
    """Evidence only through here: the user must see the issue (404 otherwise). Images may show
    inline as thumbnails; everything else downloads."""
    return stored_file_response(evidence_get_for_user(user=request.user, pk=pk), inline=True)


@login_required
@require_GET
def recheck_photo_download(request, pk: int):
    """A 回头看 photo, for whoever may read its issue (404 otherwise, as for a missing one)."""
    return stored_file_response(recheck_photo_get_for_user(user=request.user, pk=pk), inline=True)


# --- hand-off -----------------------------------------------------------------------------


def _may_hand_off(request) -> None:
    """The hand-off pages are the service's (issues.rules.check_hand_off): others get 403."""
    try:
        check_hand_off(user=request.user)
    except IssuePermissionDenied as error:
        raise PermissionDenied(str(error)) from None


def _inspector_projects(user):
    return Project.objects.filter(pk__in=project_ids_for_inspector(user=user)).order_by("name")


def _deadline_hints(form: forms.HandOffForm) -> dict:
    """'N 个工作日' next to each typed date, and warnings for years without an official calendar."""
    today = timezone.localdate()
    dates = form.deadline_values()
    hints = {
        name: working_days_between(today, day)
        for name, day in dates.items()
        if day >= today and (day - today).days <= 3 * 366
    }
    return {"hints": hints, "warnings": forms.deadline_warnings(list(dates.values()))}


def _handoff_initial(request, finding: Finding | None, projects: list[Project]) -> dict:
    sign, rectification = services.proposed_deadlines(start=timezone.localdate())
    initial = {"sign_deadline": sign, "rectification_deadline": rectification}
    if finding is not None:
        text = finding.text.strip()
        initial.update(
            project=finding.visit.project_id,
            title=f"{finding.get_kind_display()}：{text.splitlines()[0][:60]}",
            description=text,
            source_finding=finding.pk,
        )
    elif request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    elif len(projects) == 1:  # an inspector following one project should not have to pick it
        initial["project"] = projects[0].pk
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def issue_create(request):
    _may_hand_off(request)
    projects = _inspector_projects(request.user)
    finding_id = request.POST.get("source_finding") or request.GET.get("finding")
    finding = finding_get_for_user(user=request.user, pk=finding_id) if finding_id else None
    existing = Issue.objects.filter(source_finding=finding).first() if finding else None
    if request.method == "POST":
        form = forms.HandOffForm(request.POST, projects=projects)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issue = services.issue_hand_off(
                    actor=request.user,
                    project=data["project"],
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    severity=data["severity"],
                    lead_department=data["lead_department"],
                    assisting_departments=data["assisting_departments"],
                    sign_deadline=data["sign_deadline"],
                    rectification_deadline=data["rectification_deadline"],
                    source_finding=finding,
                )
            except ServiceError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("问题 %(code)s 已交办给 %(department)s。")
                    % {"code": issue.code, "department": issue.lead_department.name},
                )
                return redirect("issues:detail", pk=issue.pk)
    else:
        form = forms.HandOffForm(initial=_handoff_initial(request, finding, list(projects)), projects=projects)
    context = {"form": form, "finding": finding, "existing": existing, **_deadline_hints(form)}
    return render(request, "issues/handoff.html", context)


@login_required
@require_GET
def handoff_deadlines(request):
    """htmx: recompute both deadlines from numbers of working days typed on the hand-off form."""
    _may_hand_off(request)

    def days(name: str, default: int, high: int) -> int:
        try:
            return min(max(int(request.GET.get(name, default)), 1), high)
        except (TypeError, ValueError):
            return default

    sign_days = days("sign_working_days", services.DEFAULT_SIGN_WORKING_DAYS, 60)
    rectification_days = days("rectification_working_days", services.DEFAULT_RECTIFICATION_WORKING_DAYS, 250)
    sign, rectification = services.proposed_deadlines(
        start=timezone.localdate(), sign_working_days=sign_days, rectification_working_days=rectification_days
    )
    form = forms.HandOffForm(
        initial={
            "sign_working_days": sign_days,
            "rectification_working_days": rectification_days,
            "sign_deadline": sign,
            "rectification_deadline": rectification,
        },
        projects=Project.objects.none(),
    )
    return render(request, "issues/partials/deadline_fields.html", {"form": form, **_deadline_hints(form)})
