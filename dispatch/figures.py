"""Every figure of the leaders' dashboard and of the monthly dispatch summary.

Reads only, scoped, in SQL, with a constant number of queries whatever the number of rows: one
FILTERed aggregate per table for the headline figures and one grouped query per breakdown — never a
query per row. The dictionaries returned are plain JSON (ints, floats, strings) so a closed month's
figures can be frozen as they are into MonthlySummary.figures and served by the API.

Definitions (pinned number by number by tests/reports/test_figures.py):

- 交办 handed off in a month: issues whose handed_off_at falls in the month, withdrawn ones included
  (they were handed off; 撤销 is shown beside it). Rates leave withdrawn issues out.
- 销号 closed in a month: closed_at in the month.
- 按期销号 closed on time: closed, and the day the department (last) submitted it for verification —
  the close itself when no submission is recorded — is on or before the rectification deadline in
  force, i.e. after any extension granted. From submission on the department no longer owes work
  (the light is not red either), so the inspector's verification time is not held against it.
- 整改率 rectification rate = issues closed by the end of the period / issues handed off by the end
  of the period, withdrawn excluded; cumulative, in percent with one decimal; None when nothing
  was handed off.
- 按期整改率 on-time rate = closed on time / closed, over the issues closed in the period (the month
  for a summary; ever, for the dashboard).
- 逾期未整改 overdue at a day D: handed off and neither closed, withdrawn nor submitted by D, with a
  rectification deadline before D. For a closed month D is its last day and "submitted by D" is
  read from submitted_at (a return after D clears it, so such an issue counts as overdue at D).
  A month is frozen on the 1st of the next month, so extensions granted later never alter it.
- 返工 rework: issues returned for rework at least once (return_count >= 1); rework rate = reworked /
  handed off (withdrawn excluded).
- 平均办结工作日 average working days to close ≈ average calendar days from hand-off to close ×
  250/365: the average is taken in SQL over timestamps; a mainland year has about 250 working days
  once weekends, public holidays and make-up working days are counted, so the factor is right on
  average without a per-row calendar walk. It is an estimate and is labelled so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from core.months import Month, current_month  # noqa: F401  (current_month: re-exported for the report modules)
from dispatch.models import Decision
from inspections.models import SiteVisit
from issues.conditions import done_on, on_time_q
from issues.lights import due_soon_cutoff, light_q
from issues.models import OPEN_STATUSES, CaseRecord, Issue, IssueCategory, IssueStatus, Light
from issues.selectors import issue_scope_q
from projects.models import ProcedureKind, ProcedureStage, ProcedureStatus, Project, SupervisionGroup
from projects.selectors import group_list_visible_to, project_list_visible_to

WORKING_DAYS_PER_CALENDAR_DAY = 250 / 365
TREND_MONTHS = 12
TOP_PROJECTS = 15
RED_LIST_LIMIT = 50
BLOCKAGE_ROWS = 30
SCOPE_ALL = "all"


# --- months ---------------------------------------------------------------------------------


# Month and current_month live in core.months (one definition of a month for every app); imported
# here under their old names for the report modules that read them from this one.


# --- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """Whose figures: the whole city ('all'), one supervision group ('group-<id>'), or — for the
    live dashboard — what one user may see. Each gives the Q limiting issues and project rows."""

    key: str
    label: str
    group_id: int | None = None
    user: User | None = field(default=None, compare=False)

    def issue_q(self, prefix: str = "") -> Q | None:
        if self.user is not None:
            return issue_scope_q(user=self.user, prefix=prefix)
        if self.group_id is not None:
            return Q(**{f"{prefix}project__in": _group_project_ids(self.group_id)})
        return None

    def project_q(self, prefix: str = "") -> Q | None:
        """For rows with a project FK (visits, stages); prefix '' on those tables means project__in."""
        if self.user is not None:
            if self.user.sees_everything:
                return None
            return Q(**{f"{prefix}project__in": project_list_visible_to(user=self.user).values("pk")})
        if self.group_id is not None:
            return Q(**{f"{prefix}project__in": _group_project_ids(self.group_id)})
        return None

    def ledger_params(self) -> dict[str, str]:
        """Extra ledger filters reproducing this scope (the ledger already limits to the user)."""
        return {"group": str(self.group_id)} if self.group_id is not None else {}


def _group_project_ids(group_id: int) -> QuerySet:
    return Project.objects.filter(groups=group_id).values("pk")


def _scoped(queryset: QuerySet, q: Q | None) -> QuerySet:
    return queryset if q is None else queryset.filter(q)


def user_may_read_reports(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or user.is_inspector)


def dashboard_scope_for(*, user: User) -> ReportScope:
    """Leaders/admins: everything; inspectors: their groups' and authorizations' projects; others 404."""
    if not user_may_read_reports(user):
        raise Http404
    if user.sees_everything:
        return ReportScope(key=SCOPE_ALL, label=_("全市"), user=user)
    return ReportScope(key=f"user-{user.pk}", label=_("本人督导范围"), user=user)


def summary_scopes_for(*, user: User) -> list[ReportScope]:
    """The summaries a user may read: leaders the city and every group, inspectors their groups.
    Summaries are frozen per scope key ('all' / 'group-<id>'), so they follow the groups."""
    if not user_may_read_reports(user):
        return []
    scopes = [ReportScope(key=SCOPE_ALL, label=_("全市"))] if user.sees_everything else []
    groups = group_list_visible_to(user=user).filter(is_active=True).order_by("name").values_list("pk", "name")
    scopes += [ReportScope(key=f"group-{pk}", label=name, group_id=pk) for pk, name in groups]
    return scopes


def summary_scope_pick(*, scopes: list[ReportScope], wanted: str | None) -> ReportScope | None:
    """The scope a summary request asks for (`?scope=`) among the user's `summary_scopes_for`, for
    the page, its exports and the API alike: the first readable scope when none is asked for;
    None (answer 404) when the asked one is unknown or not theirs to read, never another scope in
    its place."""
    if wanted is None:  # not asked; present but empty is a malformed ask like any other
        return scopes[0] if scopes else None
    return next((scope for scope in scopes if scope.key == wanted), None)


def _trend_label(month: Month) -> str:
    """An axis label: 11月 in Chinese, Nov in English (Django's own month abbreviations)."""
    if (get_language() or settings.LANGUAGE_CODE).startswith("zh"):
        return f"{month.month}月"
    return date_format(month.first_day, "M")


def freeze_scopes() -> list[ReportScope]:
    """Every scope frozen on the 1st: the city and each active group."""
    groups = SupervisionGroup.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
    return [ReportScope(key=SCOPE_ALL, label=_("全市"))] + [
        ReportScope(key=f"group-{pk}", label=name, group_id=pk) for pk, name in groups
    ]


# --- shared expressions ---------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _issues(scope: ReportScope) -> QuerySet[Issue]:
    # done_on: the day the department finished (issues.conditions, with the on-time rule).
    return _scoped(Issue.objects.all(), scope.issue_q()).annotate(done_on=done_on())


def _closed_q(*, before: dt.datetime | None = None) -> Q:
    return Q(closed_at__lt=before) if before else Q(status=IssueStatus.CLOSED)


def _existing_q(end: dt.datetime) -> Q:
    """Handed off before `end` and not withdrawn before it."""
    return Q(handed_off_at__lt=end) & ~Q(withdrawn_at__lt=end)


def _open_at_q(end: dt.datetime) -> Q:
    return _existing_q(end) & ~Q(closed_at__lt=end)


def _overdue_at_q(end: dt.datetime, day: dt.date) -> Q:
    """Open at `end`, not awaiting verification, deadline before `day` (see module docstring)."""
    return _open_at_q(end) & ~Q(submitted_at__lt=end) & Q(rectification_deadline__lt=day)


def _days_to_close() -> ExpressionWrapper:
    return ExpressionWrapper(F("closed_at") - F("handed_off_at"), output_field=DurationField())


def _as_working_days(average: dt.timedelta | float | None) -> float | None:
    if average is None:
        return None
    seconds = average.total_seconds() if isinstance(average, dt.timedelta) else float(average) / 1e6
    return round(seconds / 86400 * WORKING_DAYS_PER_CALENDAR_DAY, 1)


def ledger_url(**params) -> str:
    """A link to the issue ledger with its GET filters (names defined in issues/filters.py)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("issues:ledger") + (f"?{query}" if query else "")


# --- the monthly summary --------------------------------------------------------------------


@dataclass
class _Period:
    month: Month
    live: bool
    as_of: dt.date  # the day overdue and open are read at
    cutoff: dt.datetime  # timestamps before this count as "by the end"


def _period(month: Month, *, today: dt.date) -> _Period:
    live = month == Month.of(today)
    if live:
        return _Period(month, True, today, timezone.now())
    return _Period(month, False, month.last_day, month.end)


def monthly_figures(*, month: Month, scope: ReportScope, today: dt.date | None = None) -> dict:
    """All figures of one month in one scope, live. A closed month is normally read through
    dispatch.summary_services.summary_for, which serves the frozen snapshot instead.
    Queries: 8, whatever the number of issues."""
    today = today or timezone.localdate()
    if month > Month.of(today):
        raise ValueError("a future month has no figures")
    period = _period(month, today=today)
    in_month = Q(handed_off_at__gte=month.start, handed_off_at__lt=month.end)
    closed_in_month = Q(closed_at__gte=month.start, closed_at__lt=month.end)
    existing = _existing_q(period.cutoff)
    open_q = _open_at_q(period.cutoff)
    overdue_q = _overdue_at_q(period.cutoff, period.as_of)

    counts = {
        "handed_off": Count("pk", filter=in_month),
        "withdrawn": Count("pk", filter=Q(withdrawn_at__gte=month.start, withdrawn_at__lt=month.end)),
        "closed": Count("pk", filter=closed_in_month),
        "closed_on_time": Count("pk", filter=closed_in_month & on_time_q()),
        "open": Count("pk", filter=open_q),
        "overdue": Count("pk", filter=overdue_q),
    }
    issues = _issues(scope)
    core = issues.aggregate(
        **counts,
        reworked=Count("pk", filter=existing & Q(return_count__gte=1)),
        total_handed_off=Count("pk", filter=existing),
        total_closed=Count("pk", filter=existing & Q(closed_at__lt=period.cutoff)),
    )
    core["closed_late"] = core["closed"] - core["closed_on_time"]
    core["rectification_rate"] = _percent(core["total_closed"], core["total_handed_off"])
    core["on_time_rate"] = _percent(core["closed_on_time"], core["closed"])

    # One grouped query per breakdown, over a superset of the rows with something to say about the
    # month (handed off, closed or withdrawn in it, open at its end) written so that the existing
    # indexes on handed_off_at and closed_at (IS NULL included) find them: no full scan.
    relevant = in_month | Q(closed_at__gte=month.start) | Q(closed_at__isnull=True)
    departments = [
        _row(row, key="lead_department", name=row["lead_department__short_name"] or row["lead_department__name"])
        for row in issues.filter(relevant)
        .values("lead_department", "lead_department__name", "lead_department__short_name")
        .annotate(**counts)
        .order_by("-overdue", "-open", "lead_department__name")
        if _has_news(row)
    ]
    projects = [
        _row(row, key="project", name=row["project__short_name"] or row["project__name"])
        for row in issues.filter(relevant)
        .values("project", "project__name", "project__short_name")
        .annotate(**counts)
        .order_by("-overdue", "-open", "project__name")
        if _has_news(row)
    ]
    red_list, red_total = _red_list(issues.filter(overdue_q), as_of=period.as_of)
    figures = {
        "month": str(month),
        "month_label": month.label,
        "scope": {"key": scope.key, "label": scope.label, "group_id": scope.group_id},
        "live": period.live,
        "as_of": period.as_of.isoformat(),
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "core": core,
        "departments": departments,
        "projects": projects,
        "red_list": red_list,
        "red_list_total": red_total,
        "overdue_departments": [row["name"] for row in departments if row["overdue"]],
        "visits": _visits(scope, month),
        "decisions": _decisions(scope, month),
        "campaign": _campaign(scope, month),
    }
    return figures


def _has_news(row: dict) -> bool:
    return bool(row["handed_off"] or row["closed"] or row["open"] or row["withdrawn"])


def _row(row: dict, *, key: str, name: str) -> dict:
    out = {
        "id": row[key],
        "name": name,
        **{k: row[k] for k in ("handed_off", "withdrawn", "closed", "closed_on_time", "open", "overdue")},
    }
    out["on_time_rate"] = _percent(out["closed_on_time"], out["closed"])
    return out


def _red_list(overdue: QuerySet[Issue], *, as_of: dt.date) -> tuple[list[dict], int]:
    # COUNT(*) OVER () is evaluated before LIMIT: the first rows and the total in one query.
    rows = list(
        overdue.select_related("project", "lead_department")
        .only(
            "pk",
            "code",
            "title",
            "rectification_deadline",
            "project__name",
            "project__short_name",
            "lead_department__name",
            "lead_department__short_name",
        )
        .annotate(total_overdue=Window(Count("pk")))
        .order_by("rectification_deadline", "pk")[:RED_LIST_LIMIT]
    )
    listed = [
        {
            "id": issue.pk,
            "code": issue.code,
            "title": issue.title,
            "project": str(issue.project),
            "department": str(issue.lead_department),
            "deadline": issue.rectification_deadline.isoformat(),
            "days_overdue": (as_of - issue.rectification_deadline).days,
        }
        for issue in rows
    ]
    return listed, rows[0].total_overdue if rows else 0


def _visits(scope: ReportScope, month: Month) -> dict:
    visits = _scoped(
        SiteVisit.objects.filter(is_archived=False, visited_on__gte=month.first_day, visited_on__lte=month.last_day),
        scope.project_q(),
    )
    return visits.aggregate(
        total=Count("pk"),
        forum=Count("pk", filter=Q(method_forum=True)),
        documents=Count("pk", filter=Q(method_documents=True)),
        onsite=Count("pk", filter=Q(method_onsite=True)),
        recheck=Count("pk", filter=Q(is_recheck=True)),
    )


def _decisions(scope: ReportScope, month: Month) -> list[dict]:
    decisions = Decision.objects.filter(meeting__month=month.first_day).select_related(
        "meeting", "meeting__group", "responsible_department", "issue"
    )
    if scope.group_id is not None:
        decisions = decisions.filter(meeting__group_id=scope.group_id)
    elif scope.user is not None and not scope.user.sees_everything:
        decisions = decisions.filter(meeting__group__in=group_list_visible_to(user=scope.user).values("pk"))
    return [
        {
            "meeting": decision.meeting.title,
            "group": decision.meeting.group.name,
            "date": timezone.localtime(decision.meeting.starts_at).date().isoformat(),
            "text": decision.text,
            "department": str(decision.responsible_department) if decision.responsible_department else "",
            "due_on": decision.due_on.isoformat() if decision.due_on else "",
            "issue_code": decision.issue.code if decision.issue else "",
            "issue_id": decision.issue_id,
            "is_done": decision.is_done,
        }
        for decision in decisions.order_by("meeting__starts_at", "pk")
    ]


def _campaign(scope: ReportScope, month: Month) -> dict:
    """问题线索 figures: cases opened (件) and people involved (人), people sanctioned (党纪政务处分),
    typical problems publicly notified (通报曝光 起数/人数) — in the month and cumulative to its end."""
    cases = _scoped(CaseRecord.objects.all(), scope.issue_q(prefix="issue__"))
    first = month.first_day
    opened_m = Q(opened_on__gte=first, opened_on__lte=month.last_day)
    opened_all = Q(opened_on__lte=month.last_day)
    sanctioned_m = Q(concluded_on__gte=first, concluded_on__lte=month.last_day)
    sanctioned_all = Q(concluded_on__lte=month.last_day)
    notified_m = Q(publicly_notified=True, notified_on__gte=first, notified_on__lte=month.last_day)
    notified_all = Q(publicly_notified=True, notified_on__lte=month.last_day)
    raw = cases.aggregate(
        m_cases=Count("pk", filter=opened_m),
        m_people=Coalesce(Sum("people_involved", filter=opened_m), 0),
        m_sanctioned=Coalesce(Sum("people_sanctioned", filter=sanctioned_m), 0),
        m_notified_cases=Coalesce(Sum("notified_cases", filter=notified_m), 0),
        m_notified_people=Coalesce(Sum("notified_people", filter=notified_m), 0),
        t_cases=Count("pk", filter=opened_all),
        t_people=Coalesce(Sum("people_involved", filter=opened_all), 0),
        t_sanctioned=Coalesce(Sum("people_sanctioned", filter=sanctioned_all), 0),
        t_notified_cases=Coalesce(Sum("notified_cases", filter=notified_all), 0),
        t_notified_people=Coalesce(Sum("notified_people", filter=notified_all), 0),
    )
    names = ("cases", "people", "sanctioned", "notified_cases", "notified_people")
    return {
        "month": {name: int(raw[f"m_{name}"]) for name in names},
        "to_date": {name: int(raw[f"t_{name}"]) for name in names},
    }


# --- the dashboard --------------------------------------------------------------------------


def _trend_months(today: dt.date) -> list[Month]:
    months = [Month.of(today)]
    while len(months) < TREND_MONTHS:
        months.append(months[-1].previous())
    return list(reversed(months))


def dashboard_figures(*, scope: ReportScope, today: dt.date | None = None) -> dict:
    """Cards, charts, department ranking and blockage board, live. Queries: 6 (+1 for the
    projects count), whatever the number of issues."""
    today = today or timezone.localdate()
    issues = _issues(scope)
    months = _trend_months(today)
    not_withdrawn = ~Q(status=IssueStatus.WITHDRAWN)
    open_q = Q(status__in=OPEN_STATUSES)
    closed_q = Q(status=IssueStatus.CLOSED)
    trend = {}
    for month in months:
        trend[f"h_{month.year}_{month.month}"] = Count(
            "pk", filter=Q(handed_off_at__gte=month.start, handed_off_at__lt=month.end)
        )
        trend[f"c_{month.year}_{month.month}"] = Count(
            "pk", filter=Q(closed_at__gte=month.start, closed_at__lt=month.end)
        )
    # Each light_q reads the holiday overrides once: build them once, reuse them below.
    soon = due_soon_cutoff(today)
    lights = {light: light_q(light, today=today, due_soon=soon) for light in (Light.RED, Light.YELLOW, Light.GREEN)}
    # One scan of the (scoped) issue table for every card and the 12-month trend.
    cards = issues.aggregate(
        total=Count("pk", filter=not_withdrawn),
        open=Count("pk", filter=open_q),
        red=Count("pk", filter=lights[Light.RED]),
        yellow=Count("pk", filter=lights[Light.YELLOW]),
        green=Count("pk", filter=lights[Light.GREEN]),
        closed=Count("pk", filter=closed_q),
        closed_on_time=Count("pk", filter=closed_q & on_time_q()),
        **trend,
    )
    cards["rectification_rate"] = _percent(cards["closed"], cards["total"])
    cards["on_time_rate"] = _percent(cards["closed_on_time"], cards["closed"])
    cards["projects"] = _scoped(Project.objects.filter(is_archived=False), _project_pk_q(scope)).count()

    by_category = dict(
        issues.filter(open_q).values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    by_project = list(
        issues.filter(open_q)
        .values("project", "project__name", "project__short_name")
        .annotate(n=Count("pk"), red=Count("pk", filter=lights[Light.RED]))
        .order_by("-n", "project__name")[:TOP_PROJECTS]
    )
    ranking = _department_ranking(issues)
    return {
        "scope": {"key": scope.key, "label": scope.label},
        "today": today.isoformat(),
        "cards": cards,
        "trend": [
            {
                "month": str(month),
                "label": _trend_label(month),
                "handed_off": cards.pop(f"h_{month.year}_{month.month}"),
                "closed": cards.pop(f"c_{month.year}_{month.month}"),
            }
            for month in months
        ],
        "by_light": {light: cards[light] for light in ("red", "yellow", "green")},
        "by_category": [
            {"category": value, "label": str(label), "count": by_category.get(value, 0)}
            for value, label in IssueCategory.choices
        ],
        "by_project": [
            {
                "id": row["project"],
                "name": row["project__short_name"] or row["project__name"],
                "count": row["n"],
                "red": row["red"],
            }
            for row in by_project
        ],
        "ranking": ranking,
        "blockages": _blockage_board(scope, today),
    }


def _project_pk_q(scope: ReportScope) -> Q | None:
    """project_q is for rows with a project FK; the Project table itself filters on pk."""
    q = scope.project_q()
    if q is None:
        return None
    ((_key, ids),) = q.children
    return Q(pk__in=ids)


def _department_ranking(issues: QuerySet[Issue]) -> dict:
    """红黑榜: per lead department, over its issues not withdrawn. Best = highest on-time closure
    rate (ties: fewer average days, then lower rework rate); worst = the reverse. Only departments
    with at least one closed issue are ranked, so a department is not praised for doing nothing."""
    rows = (
        issues.filter(~Q(status=IssueStatus.WITHDRAWN))
        .values("lead_department", "lead_department__name", "lead_department__short_name")
        .annotate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(status=IssueStatus.CLOSED)),
            closed_on_time=Count("pk", filter=Q(status=IssueStatus.CLOSED) & on_time_q()),
            reworked=Count("pk", filter=Q(return_count__gte=1)),
            avg_close=Avg(_days_to_close(), filter=Q(status=IssueStatus.CLOSED)),
        )
    )
    ranked = []
    for row in rows:
        ranked.append(
            {
                "id": row["lead_department"],
                "name": row["lead_department__short_name"] or row["lead_department__name"],
                "total": row["total"],
                "closed": row["closed"],
                "closed_on_time": row["closed_on_time"],
                "on_time_rate": _percent(row["closed_on_time"], row["closed"]),
                "avg_working_days": _as_working_days(row["avg_close"]),
                "reworked": row["reworked"],
                "rework_rate": _percent(row["reworked"], row["total"]),
            }
        )

    def sort_key(item: dict) -> tuple:
        return (
            -(item["on_time_rate"] if item["on_time_rate"] is not None else -1),
            item["avg_working_days"] if item["avg_working_days"] is not None else 1e9,
            item["rework_rate"] or 0,
            item["name"],
        )

    ranked.sort(key=sort_key)
    with_closures = [row for row in ranked if row["closed"]]
    best = with_closures[:3]
    worst = [row for row in reversed(with_closures[3:])][:3]
    best_ids, worst_ids = {row["id"] for row in best}, {row["id"] for row in worst}
    for row in ranked:
        row["mark"] = "best" if row["id"] in best_ids else "worst" if row["id"] in worst_ids else ""
    return {"rows": ranked, "best": [row["id"] for row in best], "worst": [row["id"] for row in worst]}


def _blockage_board(scope: ReportScope, today: dt.date) -> dict:
    """Projects with at least one blocked procedure stage × stage kinds; a cell is the stage's
    status and, when blocked, the days since blocked_since. The BLOCKAGE_ROWS projects blocked
    longest are listed; `total` counts them all. One query."""
    blocked_projects = _scoped(ProcedureStage.objects.filter(status=ProcedureStatus.BLOCKED), scope.project_q())
    stages = (
        _scoped(ProcedureStage.objects.all(), scope.project_q())
        .filter(project__in=blocked_projects.values("project_id"))
        .order_by("project_id", "position", "pk")
        .values_list(
            "project_id", "project__name", "project__short_name", "kind", "status", "blocked_since", "blockage_note"
        )
    )
    labels = dict(ProcedureStatus.choices)
    projects: dict[int, dict] = {}
    for project_id, name, short_name, kind, status, blocked_since, note in stages:
        project = projects.setdefault(
            project_id, {"id": project_id, "name": short_name or name, "cells": {}, "max_days": 0}
        )
        days = max((today - blocked_since).days, 0) if status == ProcedureStatus.BLOCKED and blocked_since else None
        previous = project["cells"].get(kind)
        # Several stages of one kind: the most blocked one speaks for the cell.
        if previous is None or (days or -1) > (previous["days"] or -1):
            project["cells"][kind] = {"status": status, "label": str(labels[status]), "days": days, "note": note}
        project["max_days"] = max(project["max_days"], days or 0)
    rows = sorted(projects.values(), key=lambda p: (-p["max_days"], p["name"]))[:BLOCKAGE_ROWS]
    used = {kind for project in rows for kind in project["cells"]}
    kinds = [{"kind": value, "label": str(label)} for value, label in ProcedureKind.choices if value in used]
    for project in rows:
        project["row"] = [project["cells"].get(k["kind"]) for k in kinds]
    return {"kinds": kinds, "projects": rows, "total": len(projects)}
