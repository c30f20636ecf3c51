"""Leaders' dashboard, monthly summary and exports: parse the request, ask figures/summary
services, render. Every figure links to the issue ledger filtered to exactly the rows it counts."""

from __future__ import annotations

import io
import zipfile
from itertools import groupby
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from clues.figures import campaign_rows
from dispatch.models import DispatchMeeting
from dispatch.selectors import meeting_get_for_user
from issues.filters import issue_filter_for
from issues.models import IssueStatus
from issues.selectors import issue_get_for_user
from reports import exports
from reports.documents.letters import handoff_letter_docx, supervision_docx
from reports.documents.minutes import minutes_docx
from reports.export_jobs import LETTERS_INLINE_MAX_DOCUMENTS, LETTERS_INLINE_MAX_ISSUES
from reports.export_views import export_offer
from reports.figures import (
    Month,
    ReportScope,
    current_month,
    dashboard_figures,
    dashboard_scope_for,
    ledger_url,
    summary_scope_pick,
    summary_scopes_for,
)
from reports.models import ExportKind
from reports.ranking_rows import ranking_rows_html
from reports.services import SummaryView, summary_for
from reports.summary_rows import decision_rows_html, department_rows_html, overdue_rows_html, project_rows_html

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_PROJECT_ROWS = 30
# The page lists the month's first decisions (by meeting time); a province's month holds hundreds
# (600 at 10 × S, most of the page's rendering). The count, the 通报 and the exports have them all.
SUMMARY_DECISION_ROWS = 100


def _offer_background(request, *, kind: str, count: int):
    """Too big to build inside the request: a page that offers to build it in the background
    (a POST to reports:export_create with the same filters)."""
    query = request.GET.urlencode()
    return export_offer(
        request,
        kind=kind,
        count=count,
        fields=[("query", query)],
        back_url=reverse("issues:ledger") + (f"?{query}" if query else ""),
        back_label=_("返回整改台账"),
    )


def _attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- dashboard -------------------------------------------------------------------------------


def _dashboard_links(figures: dict) -> None:
    """Attach the ledger link of every card, bar and ranking row (filter names: issues/filters.py)."""
    cards = figures["cards"]
    cards["links"] = {
        "open": ledger_url(status="open"),
        "red": ledger_url(light="red"),
        "yellow": ledger_url(light="yellow"),
        "closed": ledger_url(status="closed"),
        "on_time": ledger_url(status="closed", on_time="1"),
    }
    for point in figures["trend"]:
        point["handed_off_url"] = ledger_url(month=point["month"], withdrawn="0")
        point["closed_url"] = ledger_url(closed_month=point["month"])
    figures["lights"] = [
        {"light": light, "label": label, "count": figures["by_light"][light], "url": ledger_url(light=light)}
        for light, label in (("red", _("红灯")), ("yellow", _("黄灯")), ("green", _("绿灯")))
    ]
    for row in figures["by_category"]:
        row["url"] = ledger_url(status="open", category=row["category"])
    for row in figures["by_project"]:
        row["url"] = ledger_url(status="open", project=row["id"])
        row["red_url"] = ledger_url(light="red", project=row["id"])
    _ranking_links(figures["ranking"], live=True)


def _ranking_links(ranking: dict | None, *, live: bool, **extra) -> None:
    """Each 红黑榜 row links to the ledger rows it counts: its closures of the period, the reworked
    ones among them, and (live only: overdue is read today) its red issues; then the table's rows
    are built (reports.ranking_rows)."""
    if not ranking:
        return
    month = ranking["period"]["month"]
    for row in ranking["rows"]:
        department = row["id"]
        row["closed_url"] = ledger_url(lead_department=department, closed_month=month, **extra)
        row["reworked_url"] = ledger_url(lead_department=department, closed_month=month, returned="1", **extra)
        row["overdue_url"] = ledger_url(lead_department=department, light="red", **extra) if live else ""
    ranking["rows_html"] = ranking_rows_html(ranking["rows"])


@login_required
@require_GET
def dashboard(request):
    scope = dashboard_scope_for(user=request.user)
    figures = dashboard_figures(scope=scope)
    _dashboard_links(figures)
    charts = {
        "trend": figures["trend"],
        "lights": figures["lights"],
        "categories": figures["by_category"],
        "projects": figures["by_project"],
        "labels": {
            "handed_off": _("交办"),
            "closed": _("销号"),
            "open": _("未办结"),
            "red": _("其中红灯"),
            "unit": _("件"),
        },
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "figures": figures,
            "charts": charts,
            "current_month": current_month(),
            # no link to a summary the reader cannot open (a special inspector has no group's summary)
            "can_read_summary": bool(summary_scopes_for(user=request.user)),
        },
    )


# --- summary ---------------------------------------------------------------------------------


def _pick_scope(request, scopes: list[ReportScope]) -> ReportScope:
    scope = summary_scope_pick(scopes=scopes, wanted=request.GET.get("scope"))
    if scope is None:
        raise Http404
    return scope


def _summary_scope_or_404(request, month: Month) -> tuple[ReportScope, list[ReportScope]]:
    """The asked-for scope and every scope the user may read (read once); 404 for a scope the user
    may not read or a month still to come."""
    scopes = summary_scopes_for(user=request.user)
    scope = _pick_scope(request, scopes)
    if month > current_month():
        raise Http404
    return scope, scopes


def _summary_or_404(request, month: Month) -> tuple[ReportScope, list[ReportScope], SummaryView]:
    """The asked-for scope, every scope the user may read and the month's summary (the page's
    first rows of the projects' table only: the rest is in the Excel export)."""
    scope, scopes = _summary_scope_or_404(request, month)
    return (
        scope,
        scopes,
        summary_for(month=month, scope=scope, project_rows=SUMMARY_PROJECT_ROWS, decision_rows=SUMMARY_DECISION_ROWS),
    )


def _summary_links(figures: dict, scope: ReportScope) -> None:
    month = figures["month"]
    extra = scope.ledger_params()
    core = figures["core"]
    core["links"] = {
        "handed_off": ledger_url(month=month, withdrawn="0", **extra),
        "closed": ledger_url(closed_month=month, **extra),
        "closed_on_time": ledger_url(closed_month=month, on_time="1", **extra),
        "withdrawn": ledger_url(withdrawn_month=month, **extra),
        # Overdue is a state: only the live month's equals today's red light in the ledger.
        "overdue": ledger_url(light="red", **extra) if figures["live"] else "",
    }
    # Only the rows shown get links: reverse() for 2,000 projects would cost more than the SQL.
    shown = (("lead_department", figures["departments"]), ("project", figures["projects"][:SUMMARY_PROJECT_ROWS]))
    for key, rows in shown:
        for row in rows:
            row["handed_off_url"] = ledger_url(month=month, withdrawn="0", **{key: row["id"]}, **extra)
            row["closed_url"] = ledger_url(closed_month=month, **{key: row["id"]}, **extra)
            row["overdue_url"] = ledger_url(light="red", **{key: row["id"]}, **extra) if figures["live"] else ""
    _ranking_links(figures.get("ranking"), live=figures["live"], **extra)


def _projects_shown(figures: dict) -> dict:
    """The projects' table of the page: its first rows and the footnote on the rest. A live month
    read with project_rows knows whether rows were left out, not how many; a frozen month has
    every row."""
    shown = figures["projects"][:SUMMARY_PROJECT_ROWS]
    if "projects_complete" in figures:
        return {"projects_shown": shown, "projects_cut": not figures["projects_complete"]}
    return {"projects_shown": shown, "projects_hidden": max(len(figures["projects"]) - SUMMARY_PROJECT_ROWS, 0)}


def _decisions_shown(figures: dict) -> dict:
    """The decisions' table of the page: its first rows, and how many more the exports hold (a
    live month is read with its first rows only and the count of all, a frozen one has them all)."""
    decisions = figures["decisions"]
    total = figures.get("decisions_total", len(decisions))
    return {
        "decisions_shown": decisions[:SUMMARY_DECISION_ROWS],
        "decisions_hidden": max(total - SUMMARY_DECISION_ROWS, 0),
    }


def _table_rows(figures: dict, shown: dict) -> dict:
    """The long tables' rows as HTML (reports.summary_rows: the template's loops took ~4 ms each)."""
    return {
        "department_rows": department_rows_html(figures["departments"]),
        "project_rows": project_rows_html(shown["projects_shown"]),
        "overdue_rows": overdue_rows_html(figures["overdue_list"]),
        "decision_rows": decision_rows_html(shown["decisions_shown"]),
    }


@login_required
@require_GET
def summary_current(request):
    return redirect("reports:summary", month=current_month())


@login_required
@require_GET
def summary(request, month: Month):
    scope, scopes, view = _summary_or_404(request, month)
    figures = view.figures
    _summary_links(figures, scope)
    shown = {**_projects_shown(figures), **_decisions_shown(figures)}
    today_month = current_month()
    return render(
        request,
        "reports/summary.html",
        {
            "month": month,
            "scope": scope,
            "scopes": scopes,
            "figures": figures,
            "campaign_rows": campaign_rows(**figures["campaign"]),
            "bulletin": view.bulletin,
            "frozen": view.frozen,
            **shown,
            **_table_rows(figures, shown),
            "previous_month": month.previous(),
            "next_month": month.next() if month < today_month else None,
            "scope_query": f"?scope={scope.key}",
        },
    )


def _summary_export_offer(request, month: Month, *, kind: str):
    """A month's 通报 or 调度汇总 by a direct link: the scope and month are checked as the page
    checks them (404 otherwise), but the file is not built here — the live figures and the
    document take seconds at 3 × S, so the page offers the background job (reports.export_jobs)
    with its progress bar and inbox link, as the summary page's own buttons do."""
    scope, _scopes = _summary_scope_or_404(request, month)
    return export_offer(
        request,
        kind=kind,
        fields=[("month", str(month)), ("scope", scope.key)],
        back_url=reverse("reports:summary", kwargs={"month": month}) + f"?scope={scope.key}",
        back_label=_("返回月度汇总"),
    )


@login_required
@require_GET
def summary_docx(request, month: Month):
    """The month's 通报 as an official document (reports/documents/bulletin.py), in the background."""
    return _summary_export_offer(request, month, kind=ExportKind.SUMMARY_DOCX)


@login_required
@require_GET
def summary_xlsx(request, month: Month):
    """The month's figures as Excel (reports.exports.summary_xlsx), in the background."""
    return _summary_export_offer(request, month, kind=ExportKind.SUMMARY_XLSX)


# --- ledger export ---------------------------------------------------------------------------


@login_required
@require_GET
def ledger_xlsx(request):
    """The ledger as Excel with the filters currently applied on the ledger page, the user's scope
    only, at once — for a selection of at most DUDAO_EXPORT_INLINE_MAX_ROWS rows (a second or two).
    A larger one is built in the background (reports.export_views.export_create, the ledger's
    生成导出 button): the ledger says so instead of holding a web worker for a minute."""
    filterset = issue_filter_for(user=request.user, data=request.GET, request=request)
    count = filterset.qs.count()
    if count > settings.DUDAO_EXPORT_INLINE_MAX_ROWS:
        return _offer_background(request, kind=ExportKind.LEDGER_XLSX, count=count)
    today = timezone.localdate()
    title = _("整改台账（导出时间：%(day)s）") % {"day": f"{today:%Y-%m-%d}"}
    output = exports.ledger_xlsx_file(filterset.qs, title=title)
    return FileResponse(output, as_attachment=True, filename=f"整改台账-{today:%Y%m%d}.xlsx", content_type=XLSX)


# --- official documents ----------------------------------------------------------------------


def _may_issue_documents(user: User) -> bool:
    """Minutes and 督办单 are the commission's: its inspectors, leaders and admins issue them."""
    return user.is_inspector or user.sees_everything


@login_required
@require_GET
def meeting_minutes_docx(request, pk: int):
    """The 会议纪要 of a held meeting: whoever may read the meeting and issue documents (an
    invited liaison reads the meeting page but gets 403 here); not held yet: 404."""
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    if not _may_issue_documents(request.user):
        raise PermissionDenied
    if meeting.status != DispatchMeeting.Status.HELD:
        raise Http404
    content = minutes_docx(meeting=meeting, actor=request.user)
    return _attachment(content, filename=f"{meeting.title}纪要.docx", content_type=DOCX)


@login_required
@require_GET
def issue_letter_docx(request, pk: int):
    """The 交办函 (with its 签收回执) of one issue: whoever may read the issue."""
    issue = issue_get_for_user(user=request.user, pk=pk)
    if issue.status == IssueStatus.WITHDRAWN:
        raise Http404
    content = handoff_letter_docx(issues=[issue], actor=request.user)
    return _attachment(content, filename=f"问题交办函-{issue.code}.docx", content_type=DOCX)


@login_required
@require_GET
def issue_letters(request):
    """交办函 for the ledger's current selection (its filters, the user's scope), withdrawn issues
    left out: one letter per lead department, as one .docx or a .zip of them — at once up to
    LETTERS_INLINE_MAX_ISSUES issues in LETTERS_INLINE_MAX_DOCUMENTS letters (a few seconds: each
    letter is a document of its own), else offered as a background job."""
    filterset = issue_filter_for(user=request.user, data=request.GET, request=request)
    issues = list(
        filterset.qs.exclude(status=IssueStatus.WITHDRAWN)
        .select_related("project", "lead_department", "handed_off_by")
        .prefetch_related("assisting_departments")
        .order_by("lead_department__name", "handed_off_at", "id")[: LETTERS_INLINE_MAX_ISSUES + 1]
    )
    ledger = reverse("issues:ledger") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not issues:
        messages.error(request, _("当前筛选没有可交办的问题，请调整筛选条件后再生成交办函。"))
        return redirect(ledger)
    documents = len({issue.lead_department_id for issue in issues})
    if len(issues) > LETTERS_INLINE_MAX_ISSUES or documents > LETTERS_INLINE_MAX_DOCUMENTS:
        count = filterset.qs.exclude(status=IssueStatus.WITHDRAWN).count()
        return _offer_background(request, kind=ExportKind.HANDOFF_LETTERS, count=count)
    letters = [
        (department.name, handoff_letter_docx(issues=list(group), actor=request.user))
        for department, group in groupby(issues, key=lambda issue: issue.lead_department)
    ]
    today = timezone.localdate()
    if len(letters) == 1:
        name, content = letters[0]
        return _attachment(content, filename=f"问题交办函-{name}-{today:%Y%m%d}.docx", content_type=DOCX)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in letters:
            archive.writestr(f"问题交办函-{name}.docx", content)
    return _attachment(buffer.getvalue(), filename=f"问题交办函-{today:%Y%m%d}.zip", content_type=ZIP)


@login_required
@require_GET
def issue_supervision_docx(request, pk: int):
    """The 督办单 of an overdue issue: inspectors, leaders and admins who may read it (a liaison
    gets 403); an issue that is not overdue has none (404)."""
    issue = issue_get_for_user(user=request.user, pk=pk)
    if not _may_issue_documents(request.user):
        raise PermissionDenied
    if not issue.is_overdue():
        raise Http404
    content = supervision_docx(issue=issue, actor=request.user)
    return _attachment(content, filename=f"督办单-{issue.code}.docx", content_type=DOCX)
