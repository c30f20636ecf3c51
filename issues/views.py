"""Issue pages: the ledger (整改台账), the detail with its action panels, the hand-off form and
evidence downloads. Every issue is fetched through issues.selectors (out of scope = 404); every
write is one call to issues.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
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

from core.dataversion import CountedRows, data_version, query_pairs, scoped_cache_key
from core.files import stored_file_response
from core.templatetags.dudao import light_css as light_css_class
from core.workdays import WorkCalendar, working_days_between
from inspections.models import Finding
from inspections.selectors import finding_get_for_user
from issues import forms, services
from issues.errors import IssueConflict, IssueWorkflowError
from issues.filters import issue_filter_for
from issues.models import EvidenceFile, ExtensionRequest, Issue, IssueCategory, IssueSeverity, IssueStatus, Light
from issues.rules import IssueAction, actor_may, allowed_actions
from issues.selectors import evidence_get_for_user, issue_get_for_user
from issues.templatetags.issues_tags import status_badge as status_badge_class
from projects.models import Project
from projects.selectors import project_ids_for_inspector

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


def ledger_rows(rows: Iterable[dict], today: dt.date, *, version: int | None = None) -> list[LedgerRow]:
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
    version = data_version()
    # The total's key before the read (see scoped_cache_key); the same total for every page and sort.
    params = query_pairs(request.GET, skip=("page", "ordering"))
    count_key = scoped_cache_key("ledger-count", user=request.user, params=params)
    filterset = issue_filter_for(user=request.user, data=request.GET, request=request, version=version)
    counted = CountedRows(filterset.qs, columns=LEDGER_ROW_COLUMNS, count_key=count_key, version=version)
    page = Paginator(counted, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": ledger_rows(page.object_list, timezone.localdate(), version=version),
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
    form: type[forms.VersionedForm]
    label: str
    success: str
    run: Callable[..., object]


def _run_sign(issue, actor, data):
    services.issue_sign(issue=issue, actor=actor, note=data["note"], expected_version=data["expected_version"])


def _run_progress(issue, actor, data):
    services.issue_progress_add(
        issue=issue, actor=actor, text=data["text"], percent=data.get("percent"), files=data["files"]
    )


def _run_extension_request(issue, actor, data):
    services.extension_request_create(
        issue=issue, actor=actor, requested_deadline=data["requested_deadline"], reason=data["reason"]
    )


def _run_submit(issue, actor, data):
    services.issue_submit(issue=issue, actor=actor, note=data["note"], expected_version=data["expected_version"])


def _run_close(issue, actor, data):
    services.issue_close(issue=issue, actor=actor, note=data["note"], expected_version=data["expected_version"])


def _run_return(issue, actor, data):
    services.issue_return(issue=issue, actor=actor, reason=data["note"], expected_version=data["expected_version"])


def _run_withdraw(issue, actor, data):
    services.issue_withdraw(issue=issue, actor=actor, reason=data["note"], expected_version=data["expected_version"])


def _run_extension_decide(issue, actor, data):
    services.extension_request_decide(
        issue=issue,
        actor=actor,
        approve=data["decision"] == "approve",
        note=data["note"],
        extension_id=data["extension"],
    )


def _run_instruct(issue, actor, data):
    services.instruction_create(issue=issue, actor=actor, text=data["text"])


def _run_edit(issue, actor, data):
    services.issue_edit(
        issue=issue,
        actor=actor,
        expected_version=data["expected_version"],
        title=data["title"],
        description=data["description"],
        category=data["category"],
        severity=data["severity"],
        sign_deadline=data["sign_deadline"],
        rectification_deadline=data["rectification_deadline"],
    )


ACTIONS: dict[IssueAction, ActionSpec] = {
    IssueAction.SIGN: ActionSpec(
        forms.SignForm, gettext_lazy("签收"), gettext_lazy("已签收，问题进入整改。"), _run_sign
    ),
    IssueAction.PROGRESS: ActionSpec(
        forms.ProgressForm, gettext_lazy("报送进展"), gettext_lazy("整改进展已报送。"), _run_progress
    ),
    IssueAction.NOTE: ActionSpec(
        forms.ProgressForm, gettext_lazy("协办说明"), gettext_lazy("协办说明已添加。"), _run_progress
    ),
    IssueAction.EXTENSION_REQUEST: ActionSpec(
        forms.ExtensionRequestForm,
        gettext_lazy("申请延期"),
        gettext_lazy("延期申请已提交，等待督导组审批。"),
        _run_extension_request,
    ),
    IssueAction.SUBMIT: ActionSpec(
        forms.SubmitForm, gettext_lazy("提交核验"), gettext_lazy("已提交核验，等待督导组核验销号。"), _run_submit
    ),
    IssueAction.CLOSE: ActionSpec(
        forms.CloseForm, gettext_lazy("核验销号"), gettext_lazy("问题已核验销号。"), _run_close
    ),
    IssueAction.RETURN: ActionSpec(
        forms.ReturnForm, gettext_lazy("退回重办"), gettext_lazy("问题已退回重办。"), _run_return
    ),
    IssueAction.EXTENSION_DECIDE: ActionSpec(
        forms.ExtensionDecideForm, gettext_lazy("审批延期"), gettext_lazy("延期申请已审批。"), _run_extension_decide
    ),
    IssueAction.WITHDRAW: ActionSpec(
        forms.WithdrawForm, gettext_lazy("撤销"), gettext_lazy("问题已撤销。"), _run_withdraw
    ),
    IssueAction.INSTRUCT: ActionSpec(
        forms.InstructionForm, gettext_lazy("批示"), gettext_lazy("批示已发出。"), _run_instruct
    ),
    IssueAction.EDIT: ActionSpec(
        forms.IssueEditForm, gettext_lazy("修改交办内容"), gettext_lazy("交办内容已修改。"), _run_edit
    ),
}


def _form_kwargs(action: IssueAction) -> dict:
    return {"lead": action != IssueAction.NOTE} if ACTIONS[action].form is forms.ProgressForm else {}


def _unbound_form(action: IssueAction, issue: Issue, pending: ExtensionRequest | None):
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
    return ACTIONS[action].form(initial=initial, prefix=action.value, **_form_kwargs(action))


def _render_detail(request, issue: Issue, *, bound: tuple[IssueAction, forms.VersionedForm] | None = None, status=200):
    today = timezone.localdate()
    extensions = list(issue.extension_requests.select_related("requested_by", "decided_by"))
    pending = next((ext for ext in extensions if ext.status == ExtensionRequest.Status.PENDING), None)
    actions = allowed_actions(request.user, issue)
    panel_forms = {action: _unbound_form(action, issue, pending) for action in ACTIONS if action in actions}
    if bound is not None:
        panel_forms[bound[0]] = bound[1]
    updates = issue.updates.select_related("author", "department").prefetch_related(
        Prefetch("evidence", queryset=EvidenceFile.objects.order_by("uploaded_at", "id"))
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
        "updates": list(updates),
        "extensions": extensions,
        "pending_extension": pending,
        "events": list(issue.events.select_related("actor")),
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
    if not actor_may(action, request.user, issue):
        raise PermissionDenied(_("您无权对该问题执行此操作。"))
    spec = ACTIONS[action]
    form = spec.form(request.POST, request.FILES, prefix=action.value, **_form_kwargs(action))
    form.files_dropped = bool(request.FILES)  # the browser will not re-send them: the page says so
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["expected_version"] != issue.version:
                raise IssueConflict(status=issue.get_status_display())
            spec.run(issue, request.user, data)
        except IssueWorkflowError as error:
            form.add_service_error(getattr(error, "field", None), str(error))
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


# --- hand-off -----------------------------------------------------------------------------


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
    if not request.user.is_inspector:
        raise PermissionDenied(_("只有督导人员可以交办问题。"))
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
            except IssueWorkflowError as error:
                form.add_service_error(getattr(error, "field", None), str(error))
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
    if not request.user.is_inspector:
        raise PermissionDenied

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
