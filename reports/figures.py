"""Every figure of the leaders' dashboard and of the monthly dispatch summary.

Reads only, scoped, in SQL, with a constant number of queries whatever the number of rows: one
FILTERed aggregate per table for the headline figures and one grouped query per breakdown — never a
query per row. The dictionaries returned are plain JSON (ints, floats, strings) so a closed month's
figures can be frozen as they are into MonthlySummary.figures and served by the API.

Definitions (pinned number by number by tests/reports/test_figures.py):

- 交办 handed off in a month: issues whose handed_off_at falls in the month and that were not withdrawn
  by the end of the period (a withdrawn duplicate was never a task; 撤销 is counted beside it).
  Rates leave withdrawn issues out.
- 销号 closed in a month: closed_at in the month.
- 按期销号 closed on time: closed, and the day the department (last) submitted it for verification —
  the close itself when no submission is recorded — is on or before the rectification deadline in
  force, i.e. after any extension granted. From submission on the department no longer owes work
  (the light is not red either), so the inspector's verification time is not held against it.
- 整改率 rectification rate = issues closed by the end of the period / issues handed off by the end
  of the period, withdrawn excluded; cumulative, in percent with one decimal; None when nothing
  was handed off.
- 按期整改率 on-time rate = closed on time / closed, over the issues closed in the period (the month
  for a summary; ever, for the dashboard). An issue a 回头看 reopened is never on time.
- 逾期未整改 overdue at a day D: handed off and neither closed, withdrawn nor submitted by D, with a
  rectification deadline before D. For a closed month D is its last day and "submitted by D" is
  read from submitted_at (a return after D clears it, so such an issue counts as overdue at D).
  A month is frozen on the 1st of the next month, so extensions granted later never alter it.
- 返工 rework: issues returned for rework or reopened after a 回头看 at least once
  (return_count >= 1). In the 红黑榜 and the 通报 it is counted over the issues closed in the
  period (see reports/ranking.py).
- 逾期工作日 working days overdue: working days after the rectification deadline up to the day read
  (core.workdays.WorkCalendar, one calendar for the whole list, as the ledger counts them).
- 平均办结工作日 average working days to close: for each issue closed in the period, the working days
  from the day it was handed off to the day it was closed, averaged. Counted on the calendar, not
  estimated: one query for the closures' two dates and one for the calendar's overrides.
- 红黑榜: reports/ranking.py decides it; this module only gathers each department's record.
- 问题线索 and their outcomes (受理问题线索, 立案, 党纪政务处分 …): counted from the clue records;
  definitions and the one name of each figure in clues/figures.py.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from clues.figures import campaign_counts, campaign_counts_rolled_up
from clues.models import Clue
from core.dataversion import CAMPAIGN, SCOPE, cached_read, data_versions, scope_fingerprint, versions_key
from core.months import Month, current_month  # noqa: F401  (current_month: re-exported for the report modules)
from core.workdays import WorkCalendar
from dispatch.models import Decision, DispatchMeeting
from inspections.models import SiteVisit
from issues.conditions import done_on, on_time_q
from issues.lights import due_soon_cutoff, light_q
from issues.models import DEPARTMENT_OWES_STATUSES, OPEN_STATUSES, Issue, IssueCategory, IssueStatus, Light
from issues.selectors import issue_scope_q
from projects.models import ProcedureKind, ProcedureStage, ProcedureStatus, Project, SupervisionGroup
from projects.selectors import group_list_visible_to, project_ids_for_inspector, project_list_visible_to
from reports.ranking import DepartmentRecord, RankingRules, department_standings
from rollups.models import ALL_CATEGORIES, ALL_DEPARTMENTS, BlockedProject, IssueRollup, Kind, quarter_of
from rollups.selectors import CityRow, RunningWorkdays, city_rows, oldest_deadlines
from rollups.sql import CITY
from talks.models import Talk
from talks.selectors import talk_scope_q

TREND_MONTHS = 12
TOP_PROJECTS = 15
OVERDUE_LIST_LIMIT = 50
# The summary's table of projects: the most open issues (未办结) first, as the dashboard's top
# projects, then the most overdue. (Departments, who answer for the issues, are ordered by overdue
# first.) Open counts are kept per project (Kind.PROJECT_OPEN), so the page's first rows are an
# index walk; overdue depends on the day and would need every project's deadline rows.
PROJECT_ORDER = ("-open", "-overdue", "project__name")
PATTERN_ROWS = 5
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


def ledger_url(**params) -> str:
    """A link to the issue ledger with its GET filters (names defined in issues/filters.py)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return _ledger_path(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF) + (f"?{query}" if query else "")


@functools.lru_cache(maxsize=8)
def _ledger_path(script_prefix: str, urlconf: str) -> str:
    """The ledger's path, reversed once per prefix and URL conf: the summary page links 400 rows
    to it (every department and shown project, three links each, and the 红黑榜's)."""
    return reverse("issues:ledger", urlconf=urlconf)


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


def monthly_figures(
    *,
    month: Month,
    scope: ReportScope,
    today: dt.date | None = None,
    project_rows: int | None = None,
    decision_rows: int | None = None,
) -> dict:
    """All figures of one month in one scope, live. A closed month is normally read through
    reports.services.summary_for, which serves the frozen snapshot instead.

    `project_rows`: the page's table of projects lists only its first rows (PROJECT_ORDER: the
    most open issues first): given, `projects` holds at most that many and `projects_complete`
    says whether that is all of them (the exports and the frozen snapshot ask for every row). The
    whole city's live month then reads only those projects' rows (_project_rows_top), not one row
    per project with news (20,000 at 10 × S). `decision_rows`: likewise the page's decisions,
    the first ones by meeting time; `decisions_total` and `decisions_done` then count them all
    (600 a month at 10 × S; the 通报 reads the counts).
    Queries: 12 for the city, 17 for a group, whatever the number of issues (tests/reports/test_views.py)."""
    today = today or timezone.localdate()
    if month > Month.of(today):
        raise ValueError("a future month has no figures")
    period = _period(month, today=today)
    issues = _issues(scope)
    rollup = _rollup(scope) if period.live else None
    city = _city_read(today) if rollup is not None and _is_city(scope) else None
    complete: bool | None = None  # with project_rows: whether `projects` lists every project with news
    if city is not None:
        core, departments = _month_counts_from_city(city)
        if project_rows is not None:
            projects, complete = _project_rows_top(_rollup(scope, by_project=True), period, project_rows)
        else:
            projects = _project_rows_from_rollup(_rollup(scope, by_project=True), period)
    elif rollup is not None:
        core, departments, projects = _month_counts_from_rollup(rollup, _rollup(scope, by_project=True), period)
    else:
        core, departments, projects = _month_counts(issues, period)
    judged = _judge_period(issues, period, rollup=rollup, city=city)
    core["avg_close_working_days"] = judged.average_close
    if project_rows is not None and complete is None:
        complete = len(projects) <= project_rows
        projects = projects[:project_rows]
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
        # Only with `project_rows`: whether `projects` is every project with news (the page's
        # footnote sends the reader to the Excel export for the rest).
        **({"projects_complete": complete} if complete is not None else {}),
        "overdue_list": judged.overdue_list,
        "overdue_list_total": judged.overdue_total,
        "overdue_departments": [row["name"] for row in departments if row["overdue"]],
        "ranking": judged.ranking,
        "patterns": {**judged.patterns, **_blocked_stages(scope, period.as_of)},
        "visits": _visits(scope, month),
        **_decisions(scope, month, limit=decision_rows),
        **_meetings(scope, month),
        "campaign": _campaign(scope, month),
        "talks": _talks(scope, month),
    }
    return figures


def _month_counts(issues: QuerySet[Issue], period: _Period) -> tuple[dict, list[dict], list[dict]]:
    """The headline counts and the department and project breakdowns, from the issues."""
    month = period.month
    in_month = Q(handed_off_at__gte=month.start, handed_off_at__lt=month.end)
    closed_in_month = Q(closed_at__gte=month.start, closed_at__lt=month.end)
    existing = _existing_q(period.cutoff)
    open_q = _open_at_q(period.cutoff)
    overdue_q = _overdue_at_q(period.cutoff, period.as_of)

    counts = {
        "handed_off": Count("pk", filter=in_month & ~Q(withdrawn_at__lt=period.cutoff)),
        "withdrawn": Count("pk", filter=Q(withdrawn_at__gte=month.start, withdrawn_at__lt=month.end)),
        "closed": Count("pk", filter=closed_in_month),
        "closed_on_time": Count("pk", filter=closed_in_month & on_time_q()),
        "open": Count("pk", filter=open_q),
        "overdue": Count("pk", filter=overdue_q),
    }

    core = issues.aggregate(
        **counts,
        reworked=Count("pk", filter=existing & Q(return_count__gte=1)),
        total_handed_off=Count("pk", filter=existing),
        total_closed=Count("pk", filter=existing & Q(closed_at__lt=period.cutoff)),
    )
    _add_rates(core)

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
        .order_by(*PROJECT_ORDER)
        if _has_news(row)
    ]
    return core, departments, projects


def _month_counts_from_rollup(
    rollup: QuerySet[IssueRollup], by_project: QuerySet[IssueRollup], period: _Period
) -> tuple[dict, list[dict], list[dict]]:
    """_month_counts of the live month, from the rollup (see the definitions above it)."""
    counts, relevant = _month_rollup_counts(period)
    existing = _STATE & ~Q(status=IssueStatus.WITHDRAWN)
    core = rollup.aggregate(
        **counts,
        reworked=_n(existing & Q(reworked=True)),
        total_handed_off=_n(existing),
        total_closed=_n(_STATE & Q(status=IssueStatus.CLOSED)),
    )
    _add_rates(core)
    departments = [
        _row(row, key="department", name=row["department__short_name"] or row["department__name"])
        for row in rollup.filter(relevant)
        .values("department", "department__name", "department__short_name")
        .annotate(**counts)
        .order_by("-overdue", "-open", "department__name")
        if _has_news(row)
    ]
    return core, departments, _project_rows_from_rollup(by_project, period)


def _month_rollup_counts(period: _Period) -> tuple[dict, Q]:
    """The month's per-row counts over rollup rows, and the rows with something to say."""
    month = period.month
    closed_in = _in_month(Kind.CLOSED, month)
    counts = {
        "handed_off": _n(_in_month(Kind.HANDED_OFF, month)),
        "withdrawn": _n(_in_month(Kind.WITHDRAWN, month)),
        "closed": _n(closed_in),
        "closed_on_time": _n(closed_in & Q(on_time=True)),
        "open": _n(_OPEN),
        "overdue": _n(_overdue_r(period.as_of)),
    }
    relevant = (
        _in_month(Kind.HANDED_OFF, month)
        | _in_month(Kind.WITHDRAWN, month)
        | closed_in
        | _OPEN
        | _overdue_r(period.as_of)
    ) & Q(n__gt=0)
    return counts, relevant


def _project_rows_from_rollup(by_project: QuerySet[IssueRollup], period: _Period) -> list[dict]:
    """The live month's table of projects: one grouped read of the projects' rollup rows (as many
    rows as projects with news: this table grows with the projects; the page reads only its first
    rows, _project_rows_top)."""
    counts, relevant = _month_rollup_counts(period)
    return _project_table(by_project, counts, relevant)


def _project_table(rows: QuerySet[IssueRollup], counts: dict, relevant: Q) -> list[dict]:
    return [
        _row(row, key="project", name=row["project__short_name"] or row["project__name"])
        for row in rows.filter(relevant)
        .values("project", "project__name", "project__short_name")
        .annotate(**counts)
        .order_by(*PROJECT_ORDER)
        if _has_news(row)
    ]


def _project_rows_top(by_project: QuerySet[IssueRollup], period: _Period, limit: int) -> tuple[list[dict], bool]:
    """The first `limit` rows of _project_rows_from_rollup's table (the most open issues first,
    PROJECT_ORDER) and whether they are all its rows, without a row per project: the projects'
    open counts (Kind.PROJECT_OPEN) are read from the largest down through their index, the
    projects tied with the last one included (as the dashboard's top projects are), and only those
    projects' rows are summed. A project with news but nothing open (only handed off, closed or
    withdrawn this month) comes after every project with open issues: its rows are read only when
    fewer than `limit` projects have open issues."""
    counts, relevant = _month_rollup_counts(period)
    if limit <= 0:  # a reader that prints no project (the Word 通报)
        return [], not by_project.filter(relevant).exists()
    open_projects = IssueRollup.objects.filter(kind=Kind.PROJECT_OPEN, n__gt=0)
    largest = list(open_projects.order_by("-n").values_list("n", flat=True)[: limit + 1])
    more = len(largest) > limit  # a project with open issues is left out
    # The projects with their names, in the database's order of names (PROJECT_ORDER's last key: its collation,
    # not Python's), each read through the projects' key: joined, the projects' table was hashed
    # whole, 20,000 projects for the 73 read (4 of the read's 7 ms at 10 × S).
    its = Project.objects.filter(pk=OuterRef("project"))
    top = {
        project: (place, short_name or name)
        for place, (project, name, short_name) in enumerate(
            open_projects.filter(n__gte=largest[limit - 1] if more else 1)
            .annotate(name=Subquery(its.values("name")), short_name=Subquery(its.values("short_name")))
            .order_by("name", "project")
            .values_list("project", "name", "short_name")
        )
    }
    # The ids as a list: given a subquery the planner expects hundreds of projects and scans the
    # kinds' rows of every project; given the ids it reads each project's rows through its index.
    rows = [
        _row(row, key="project", name=top[row["project"]][1])
        for row in by_project.filter(project__in=list(top)).filter(relevant).values("project").annotate(**counts)
        if _has_news(row)
    ]
    rows = sorted(rows, key=lambda row: (-row["open"], -row["overdue"], top[row["id"]][0]))[:limit]
    if more:
        return rows, False
    # Every project with open issues is listed: the rest have news without open issues, if any.
    rest = _project_table(by_project.exclude(project__in=open_projects.values("project")), counts, relevant)
    return (rows + rest)[:limit], len(rows) + len(rest) <= limit


def _add_rates(core: dict) -> None:
    """The derived headline figures, the same from the issues and from the rollup."""
    core["closed_late"] = core["closed"] - core["closed_on_time"]
    core["rectification_rate"] = _percent(core["total_closed"], core["total_handed_off"])
    core["on_time_rate"] = _percent(core["closed_on_time"], core["closed"])


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


@dataclass
class _Judgement:
    ranking: dict
    overdue_list: list[dict]
    overdue_total: int
    average_close: float | None
    patterns: dict


def _department_name(row: dict) -> str:
    return row["lead_department__short_name"] or row["lead_department__name"]


_DEPARTMENT = ("lead_department", "lead_department__name", "lead_department__short_name")


@dataclass
class _Records:
    records: list[DepartmentRecord]
    calendar: WorkCalendar
    close_days_total: int  # working days to close, summed over the period's closures
    closures: int

    @property
    def average_close(self) -> float | None:
        return round(self.close_days_total / self.closures, 1) if self.closures else None


def _department_records(
    issues: QuerySet[Issue], period: _Period, *, overdue_deadlines: tuple[dt.date, ...] = ()
) -> _Records:
    """Each lead department's record over the period (reports.ranking.DepartmentRecord), and the
    calendar that counted it, covering `overdue_deadlines` too. Queries: 3, whatever the rows."""
    month = period.month
    closed_in = Q(closed_at__gte=month.start, closed_at__lt=month.end)
    overdue_q = _overdue_at_q(period.cutoff, period.as_of)
    open_q = _open_at_q(period.cutoff)
    reworked_q = closed_in & Q(return_count__gte=1)
    # Open at the end or closed in the period: closed_at NULL or from the period's start (indexed).
    in_play = issues.filter(Q(closed_at__gte=month.start) | Q(closed_at__isnull=True))
    grouped = list(
        in_play.values(*_DEPARTMENT)
        .annotate(
            closed=Count("pk", filter=closed_in),
            closed_on_time=Count("pk", filter=closed_in & on_time_q()),
            reworked=Count("pk", filter=reworked_q),
            open=Count("pk", filter=open_q),
            overdue=Count("pk", filter=overdue_q),
            oldest_overdue=Min("rectification_deadline", filter=overdue_q),
        )
        .order_by()
    )
    closures = list(issues.filter(closed_in).values_list("lead_department", "handed_off_at", "closed_at"))
    spans = [(timezone.localtime(h).date(), timezone.localtime(c).date()) for _d, h, c in closures]
    firsts = [start for start, _end in spans] + [r["oldest_overdue"] for r in grouped if r["oldest_overdue"]]
    lasts = [end for _start, end in spans] + [period.as_of]
    calendar = WorkCalendar.for_span(min([*firsts, *overdue_deadlines], default=period.as_of), max(lasts))

    to_close: dict[int, list[int]] = {}
    for (department, _h, _c), (start, end) in zip(closures, spans, strict=True):
        to_close.setdefault(department, []).append(calendar.workdays_after(start, end))
    records = [
        DepartmentRecord(
            id=row["lead_department"],
            name=_department_name(row),
            closed=row["closed"],
            closed_on_time=row["closed_on_time"],
            reworked=row["reworked"],
            overdue=row["overdue"],
            max_overdue_working_days=calendar.workdays_after(row["oldest_overdue"], period.as_of)
            if row["oldest_overdue"]
            else 0,
            avg_close_working_days=_mean(to_close.get(row["lead_department"], [])),
        )
        for row in grouped
        if row["closed"] or row["open"]
    ]
    every = [d for days in to_close.values() for d in days]
    return _Records(records=records, calendar=calendar, close_days_total=sum(every), closures=len(every))


def _judge_period(
    issues: QuerySet[Issue],
    period: _Period,
    *,
    rollup: QuerySet[IssueRollup] | None = None,
    city: _City | None = None,
) -> _Judgement:
    """The records, the 红黑榜 decided from them (reports.ranking), the overdue list in working days
    and the patterns the 通报 names. Queries: 8, whatever the rows. With the `rollup` (the live
    month), the counts come from it and the overdue list is read through the (status, deadline)
    index, its first OVERDUE_LIST_LIMIT rows only."""
    month = period.month
    closed_in = Q(closed_at__gte=month.start, closed_at__lt=month.end)
    overdue_q = _overdue_at_q(period.cutoff, period.as_of)
    reworked_q = closed_in & Q(return_count__gte=1)
    if rollup is not None:
        # Live, the overdue issues are those the rollup counts: an open status, not submitted, the
        # deadline before the day (an open status is handed off, not withdrawn, not closed now).
        # Said this way alone the planner walks the unsubmitted issues' deadline index in order
        # and stops at the list's end, however many are overdue.
        overdue_issues = issues.filter(
            status__in=OPEN_STATUSES, submitted_at__isnull=True, rectification_deadline__lt=period.as_of
        )
    else:
        overdue_issues = issues.filter(overdue_q).annotate(total_overdue=Window(Count("pk")))
    listed = list(
        overdue_issues.select_related("project", "lead_department")
        .only(
            "pk",
            "code",
            "title",
            "category",
            "rectification_deadline",
            "project__name",
            "project__short_name",
            "lead_department__name",
            "lead_department__short_name",
        )
        .order_by("rectification_deadline", "pk")[:OVERDUE_LIST_LIMIT]
    )
    first_deadlines = tuple(i.rectification_deadline for i in listed[:1])
    late_sign_for = None
    if city is not None:
        counted = _department_records_from_city(city, issues, period, overdue_deadlines=first_deadlines)
        overdue_total = sum(r.overdue for r in counted.records)
        overdue_categories = city.top_categories(city.overdue_by(_BY_CATEGORY))
        reworked_categories = city.top_categories(city.month_by(Kind.CLOSED, _BY_CATEGORY, reworked=True))
        late_sign_for = city.late_sign_for()
    elif rollup is not None:
        counted = _department_records_from_rollup(rollup, issues, period, overdue_deadlines=first_deadlines)
        overdue_total = sum(r.overdue for r in counted.records)
        overdue_categories = _by_category_from_rollup(rollup.filter(_overdue_r(period.as_of)))
        reworked_categories = _by_category_from_rollup(rollup.filter(_in_month(Kind.CLOSED, month), reworked=True))
    else:
        counted = _department_records(issues, period, overdue_deadlines=first_deadlines)
        overdue_total = listed[0].total_overdue if listed else 0
        overdue_categories = _by_category(issues.filter(overdue_q))
        reworked_categories = _by_category(issues.filter(reworked_q))
    records, calendar = counted.records, counted.calendar
    ranking = _standings(records, period)
    overdue_list = [
        {
            "id": issue.pk,
            "code": issue.code,
            "title": issue.title,
            "project": str(issue.project),
            "department": str(issue.lead_department),
            "deadline": issue.rectification_deadline.isoformat(),
            "working_days_overdue": calendar.workdays_after(issue.rectification_deadline, period.as_of),
        }
        for issue in listed
    ]
    by_overdue = sorted(
        (r for r in records if r.overdue), key=lambda r: (-r.overdue, -r.max_overdue_working_days, r.name)
    )
    by_rework = sorted((r for r in records if r.reworked), key=lambda r: (-r.reworked, r.name))
    patterns = {
        "overdue_categories": overdue_categories,
        "overdue_departments": [
            {"name": r.name, "n": r.overdue, "days": r.max_overdue_working_days} for r in by_overdue[:PATTERN_ROWS]
        ],
        "overdue_departments_total": len(by_overdue),
        "reworked": sum(r.reworked for r in records),
        "reworked_categories": reworked_categories,
        "reworked_departments": [{"name": r.name, "n": r.reworked} for r in by_rework[:PATTERN_ROWS]],
        "reworked_departments_total": len(by_rework),
        **(late_sign_for if late_sign_for is not None else _late_sign_for(issues, period)),
    }
    return _Judgement(
        ranking=ranking,
        overdue_list=overdue_list,
        overdue_total=overdue_total,
        average_close=counted.average_close,
        patterns=patterns,
    )


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _by_category(issues: QuerySet[Issue]) -> list[dict]:
    labels = dict(IssueCategory.choices)
    rows = issues.values("category").annotate(n=Count("pk")).order_by("-n", "category")[:PATTERN_ROWS]
    return [{"label": str(labels.get(row["category"], row["category"])), "n": row["n"]} for row in rows]


def _by_category_from_rollup(rollup: QuerySet[IssueRollup]) -> list[dict]:
    labels = dict(IssueCategory.choices)
    rows = rollup.values("category").annotate(c=Sum("n")).filter(c__gt=0).order_by("-c", "category")[:PATTERN_ROWS]
    return [{"label": str(labels.get(row["category"], row["category"])), "n": row["c"]} for row in rows]


def _late_sign_for(issues: QuerySet[Issue], period: _Period) -> dict:
    """签收不及时: a sign-for deadline that passed in the period (before the day read) with the issue
    signed after it, or not signed by the end and not withdrawn. One grouped query."""
    month = period.month
    passed = Q(sign_deadline__gte=month.first_day, sign_deadline__lt=period.as_of)
    unsigned = Q(signed_at__isnull=True) & ~Q(withdrawn_at__lt=period.cutoff)
    late = Q(signed_date__gt=F("sign_deadline"))
    rows = (
        issues.filter(passed)
        .annotate(signed_date=TruncDate("signed_at"))
        .filter(unsigned | late)
        .values(*_DEPARTMENT)
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_department__name")
    )
    departments = [{"name": _department_name(row), "n": row["n"]} for row in rows]
    return {
        "late_signed": sum(row["n"] for row in departments),
        "late_signed_departments": departments[:PATTERN_ROWS],
        "late_signed_departments_total": len(departments),
    }


def _blocked_stages(scope: ReportScope, as_of: dt.date) -> dict:
    """Procedure stages blocked on the day read (and not only since after it), the longest first
    (days as the blockage board counts them: calendar days since blocked_since). One query."""
    labels = dict(ProcedureKind.choices)
    blocked = _scoped(ProcedureStage.objects.filter(status=ProcedureStatus.BLOCKED), scope.project_q()).filter(
        Q(blocked_since__isnull=True) | Q(blocked_since__lte=as_of)
    )
    # The total as a subquery run once (a COUNT over the blocked stages' index), not a window over
    # every blocked stage joined to its project: only the listed rows are joined. COUNT(*), not of
    # the key: the partial index on the blocked stages' days answers it alone (an index-only scan;
    # counting ids read the 8,000 stages' rows at 10 × S, 3.3 against 0.9 ms).
    total = blocked.order_by().annotate(c=Func(template="COUNT(*)", output_field=BigIntegerField())).values("c")
    stages = list(
        blocked.annotate(total=Subquery(total))
        .order_by(F("blocked_since").asc(nulls_last=True), "pk")
        .values_list("project__name", "project__short_name", "kind", "name", "blocked_since", "total")[:PATTERN_ROWS]
    )
    return {
        "blocked_stages": [
            {
                "project": short_name or name,
                "stage": stage_name or str(labels.get(kind, kind)),
                "days": max((as_of - since).days, 0) if since else 0,
            }
            for name, short_name, kind, stage_name, since, _total in stages
        ],
        "blocked_total": stages[0][-1] if stages else 0,
    }


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


def _decisions(scope: ReportScope, month: Month, *, limit: int | None = None) -> dict:
    """{"decisions": the month's 议定事项 by meeting time}: every one (the 调度汇总 lists them
    all), or with `limit` the first ones and `decisions_total` / `decisions_done` counting them
    all (counted in the same statement, over the rows before the limit). Read as plain values, not
    model instances with four related ones each: 600 decisions a month at 10 × S. One query."""
    decisions = Decision.objects.filter(meeting__month=month.first_day)
    if scope.group_id is not None:
        decisions = decisions.filter(meeting__group_id=scope.group_id)
    elif scope.user is not None and not scope.user.sees_everything:
        decisions = decisions.filter(meeting__group__in=group_list_visible_to(user=scope.user).values("pk"))
    columns = [
        "meeting__title",
        "meeting__group__name",
        # The meeting's local day from the database: a time-zone conversion per row in Python was
        # a third of the list's cost.
        TruncDate("meeting__starts_at"),
        "text",
        "responsible_department__short_name",
        "responsible_department__name",
        "due_on",
        "issue__code",
        "issue_id",
        "is_done",
    ]
    rows = decisions.order_by("meeting__starts_at", "pk")
    if limit is not None:
        if limit < 1:
            raise ValueError("a limited list of decisions shows at least one (its rows carry the counts)")
        counts = {
            "decisions_total": Window(Count("pk")),
            "decisions_done": Window(Sum(Case(When(is_done=True, then=1), default=0))),
        }
        rows = rows.annotate(**counts).values_list(*columns, *counts)[:limit]
    else:
        rows = rows.values_list(*columns)
    listed, total, done = [], 0, 0
    for title, group, meeting_day, text, short_name, name, due_on, issue_code, issue_id, is_done, *counted in rows:
        listed.append(
            {
                "meeting": title,
                "group": group,
                "date": meeting_day.isoformat(),
                "text": text,
                # Department.__str__: the short name, else the name.
                "department": (short_name or name) if name else "",
                "due_on": due_on.isoformat() if due_on else "",
                "issue_code": issue_code or "",
                "issue_id": issue_id,
                "is_done": is_done,
            }
        )
        if counted:
            total, done = counted
    if limit is None:
        return {"decisions": listed}
    return {"decisions": listed, "decisions_total": total, "decisions_done": done}


def _meetings(scope: ReportScope, month: Month) -> dict:
    """调度会 held in the month and the 下月督导重点 each set (carried into the 通报's 下步工作). One query."""
    meetings = DispatchMeeting.objects.filter(month=month.first_day).exclude(status=DispatchMeeting.Status.CANCELLED)
    if scope.group_id is not None:
        meetings = meetings.filter(group_id=scope.group_id)
    elif scope.user is not None and not scope.user.sees_everything:
        meetings = meetings.filter(group__in=group_list_visible_to(user=scope.user).values("pk"))
    rows = list(meetings.order_by("starts_at", "pk").values_list("title", "status", "focus_next_month"))
    return {
        "meetings_held": sum(1 for _title, status, _focus in rows if status == DispatchMeeting.Status.HELD),
        "next_focus": [{"meeting": title, "text": focus.strip()} for title, _status, focus in rows if focus.strip()],
    }


def _talks(scope: ReportScope, month: Month) -> list[dict]:
    """约谈 and 提醒谈话 held in the month (talks.selectors decides who sees which): one query."""
    talks = Talk.objects.filter(held_on__gte=month.first_day, held_on__lte=month.last_day).select_related("department")
    if scope.user is not None:
        q = talk_scope_q(user=scope.user)
        talks = talks if q is None else talks.filter(q)
    elif scope.group_id is not None:
        # The group's own talks, and talks linked to an issue of the group's projects.
        linked = Talk.issues.through.objects.filter(
            talk_id=OuterRef("pk"), issue__project__in=_group_project_ids(scope.group_id)
        )
        talks = talks.filter(Q(group_id=scope.group_id) | Q(Exists(linked)))
    return [
        {
            "id": talk.pk,
            "kind": talk.kind,
            "held_on": talk.held_on.isoformat(),
            "department_id": talk.department_id,
            "department": talk.department.display_name,
            "interviewee_post": talk.interviewee_post,
            "reason": talk.reason,
            "ranking_list": talk.ranking_list,
            "ranking_month": talk.ranking_month,
        }
        for talk in talks.order_by("held_on", "pk")
    ]


def _campaign(scope: ReportScope, month: Month) -> dict:
    """The campaign figures of the month and cumulative to its end, counted from the clues of the
    scope's projects (definitions and names in clues.figures): from the clue rollup (one query of
    the scope's rows, kept by triggers in the change's own transaction: clues.rollup), or, where
    _clue_rollup is switched off (the benchmark's check), by counting the clues and people to the
    month's end (two queries, about 60 ms at 10 × S). Cached under the clues' and the scopes'
    data versions (core.dataversion.CAMPAIGN, read in the same statement as the cache's key), so
    it is read again only after a clue, a person concerned or a scope changed, or on the next day
    (a reader's authorizations end at local midnight, which moves no version). Uncached where
    there are no versions (SQLite)."""

    def count() -> dict:
        project_q = scope.project_q()
        rolled_up = _clue_rollup(project_q, month)
        if rolled_up is not None:
            return rolled_up
        return campaign_counts(
            clues=_scoped(Clue.objects.all(), project_q), first_day=month.first_day, last_day=month.last_day
        )

    return cached_read(
        count,
        key=f"campaign:{_reader_key(scope)}:{month}",
        version=versions_key(data_versions(), CAMPAIGN),
    )


def _clue_rollup(project_q: Q | None, month: Month) -> dict | None:
    return campaign_counts_rolled_up(project_q=project_q, first_day=month.first_day, last_day=month.last_day)


# --- the dashboard --------------------------------------------------------------------------


def _trend_months(today: dt.date) -> list[Month]:
    months = [Month.of(today)]
    while len(months) < TREND_MONTHS:
        months.append(months[-1].previous())
    return list(reversed(months))


def _dashboard(
    scope: ReportScope,
    today: dt.date,
    *,
    cards: dict,
    months: list[Month],
    by_category: dict,
    by_project: Any,
    count: str,
    ranking: dict,
) -> dict:
    """The dashboard's figures as the page and the API read them, from either source (the issues
    or the rollup): the trend is taken out of the cards' per-month counts."""
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
                "count": row[count],
                "red": row["red"],
            }
            for row in by_project
        ],
        "ranking": ranking,
        "blockages": _blockage_board(scope, today),
    }


def dashboard_figures(*, scope: ReportScope, today: dt.date | None = None) -> dict:
    """Cards, charts, department ranking and blockage board, live. Read from the issue rollup
    (rollups.models) wherever the scope is a set of projects, so the cost follows the rollup's
    rows (the city's: departments × categories × months), not the issues; a scope that also holds
    a liaison's assisted issues scans the issues as before. Queries: 8 for the city, 10 for a
    scope, whatever the number of issues (pinned in tests/reports/test_views.py and tests/rollups)."""
    today = today or timezone.localdate()
    rollup = _rollup(scope)
    if rollup is not None and _is_city(scope):
        return _dashboard_from_city(scope, today)
    if rollup is not None:
        return _dashboard_from_rollup(scope, rollup, today)
    issues = _issues(scope)
    months = _trend_months(today)
    not_withdrawn = ~Q(status=IssueStatus.WITHDRAWN)
    open_q = Q(status__in=OPEN_STATUSES)
    closed_q = Q(status=IssueStatus.CLOSED)
    trend = {}
    for month in months:
        trend[f"h_{month.year}_{month.month}"] = Count(
            "pk", filter=Q(handed_off_at__gte=month.start, handed_off_at__lt=month.end) & not_withdrawn
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
    cards["projects"] = _project_count(scope)

    by_category = dict(
        issues.filter(open_q).values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    by_project = list(
        issues.filter(open_q)
        .values("project", "project__name", "project__short_name")
        .annotate(n=Count("pk"), red=Count("pk", filter=lights[Light.RED]))
        .order_by("-n", "project__name")[:TOP_PROJECTS]
    )
    ranking = _ranking(issues, _period(Month.of(today), today=today))
    return _dashboard(
        scope,
        today,
        cards=cards,
        months=months,
        by_category=by_category,
        by_project=by_project,
        count="n",
        ranking=ranking,
    )


def _project_pk_q(scope: ReportScope) -> Q | None:
    """project_q is for rows with a project FK; the Project table itself filters on pk."""
    q = scope.project_q()
    if q is None:
        return None
    ((_key, ids),) = q.children
    return Q(pk__in=ids)


def _reader_key(scope: ReportScope) -> str:
    """What a cached read of a scope is kept under besides the data versions: the scope, its
    reader (roles, department) and the day, since an inspector's authorizations end at local
    midnight without a change to any row."""
    reader = scope_fingerprint(scope.user) if scope.user is not None else ""
    return f"{scope.key}:{reader}:{timezone.localdate().isoformat()}"


def _project_count(scope: ReportScope) -> int:
    """The scope's projects not archived, kept under the data version of who sees what (every
    change to a project, a group or a membership moves it) and the day: counted for every
    dashboard, the 20,000 projects of 10 × S took 2 of its 20 ms."""
    return cached_read(
        lambda: _scoped(Project.objects.filter(is_archived=False), _project_pk_q(scope)).count(),
        key=f"projects:{_reader_key(scope)}",
        version=versions_key(data_versions(), SCOPE),
    )


def _ranking(issues: QuerySet[Issue], period: _Period) -> dict:
    """The 红黑榜 of the period, as reports.ranking decides it (the dashboard's: the current month)."""
    return _standings(_department_records(issues, period).records, period)


def _standings(records: list[DepartmentRecord], period: _Period) -> dict:
    ranking = department_standings(records, RankingRules.from_settings())
    ranking["period"] = {"month": str(period.month), "label": period.month.label, "as_of": period.as_of.isoformat()}
    return ranking


def _blockage_board(scope: ReportScope, today: dt.date) -> dict:
    """Projects with at least one blocked procedure stage × stage kinds; a cell is the stage's
    status and, when blocked, the days since blocked_since. The BLOCKAGE_ROWS projects blocked
    longest are listed; `total` counts them all. Two queries, through the blocked projects the
    triggers keep (rollups.models.BlockedProject, by the day their oldest blockage began): the
    first BLOCKAGE_ROWS blocked before today (an index walk, oldest first, then by name) and those
    blocked from today on are the candidates; only their stages are read."""
    blocked = _scoped(BlockedProject.objects.all(), scope.project_q())
    by_name = Coalesce(NullIf("project__short_name", Value("")), "project__name")
    longest = blocked.filter(since__lt=today).order_by("since", by_name, "project_id").values("project_id")
    # The days of the ones blocked from today on are all 0: they come after, by name (rare: taken all).
    # Read as a list first: as a subquery the planner expected half the blocked projects and
    # hashed every project to join them (2 of the board's 3.5 ms at 10 × S); given the ids it
    # reads their stages and names through the keys.
    candidates = list(
        blocked.filter(Q(project__in=longest[:BLOCKAGE_ROWS]) | Q(since__gte=today)).values_list(
            "project_id", flat=True
        )
    )
    total = blocked.order_by().values_list(Func(F("project_id"), function="COUNT"))
    stages = (
        _scoped(ProcedureStage.objects.all(), scope.project_q())
        .filter(project__in=candidates)
        .annotate(total=Subquery(total))
        .order_by("project_id", "position", "pk")
        .values_list(
            "project_id",
            "project__name",
            "project__short_name",
            "kind",
            "status",
            "blocked_since",
            "blockage_note",
            "total",
        )
    )
    # Translated once, not once per stage (a lazy label's str() is a gettext call).
    labels = {value: str(label) for value, label in ProcedureStatus.choices}
    projects: dict[int, dict] = {}
    total = 0
    for project_id, name, short_name, kind, status, blocked_since, note, total_ in stages:
        total = total_
        project = projects.setdefault(
            project_id, {"id": project_id, "name": short_name or name, "cells": {}, "max_days": 0}
        )
        days = max((today - blocked_since).days, 0) if status == ProcedureStatus.BLOCKED and blocked_since else None
        previous = project["cells"].get(kind)
        # Several stages of one kind: the most blocked one speaks for the cell.
        if previous is None or (days or -1) > (previous["days"] or -1):
            project["cells"][kind] = {"status": status, "label": labels[status], "days": days, "note": note}
        project["max_days"] = max(project["max_days"], days or 0)
    rows = sorted(projects.values(), key=lambda p: (-p["max_days"], p["name"]))[:BLOCKAGE_ROWS]
    used = {kind for project in rows for kind in project["cells"]}
    kinds = [{"kind": value, "label": str(label)} for value, label in ProcedureKind.choices if value in used]
    for project in rows:
        project["row"] = [project["cells"].get(k["kind"]) for k in kinds]
    return {"kinds": kinds, "projects": rows, "total": total or 0}


# --- the same figures from the issue rollup -------------------------------------------------
#
# rollups.models.IssueRollup counts the issues sharing one set of facts; the triggers keep it in
# the change's own transaction. The definitions below mirror the scans above number by number
# (tests/reports and tests/rollups pin both): with `now` as the cutoff, "handed off and not
# withdrawn by now" is a status other than withdrawn, "open at now" an open status, and "overdue
# at today" a rollup OWES row (department owes work) with its deadline before today.


def _rollup(scope: ReportScope, *, by_project: bool = False) -> QuerySet[IssueRollup] | None:
    """The rollup rows of the scope, or None when the scope is not a set of projects (a liaison's
    issues are those their department leads or assists: the rollup does not key the latter).
    The whole city's figures read its own coarse rows (_city_read) where this answers for the
    city; these are the project rows, which a by-project breakdown reads and a scoped reader sums
    over its projects."""
    rows = IssueRollup.objects.all()
    # The city's own rows (project CITY) hold coarse grains read by _city_read; summed, the
    # project rows give the whole city too (what a by-project breakdown reads).
    city = rows.exclude(project_id=CITY)
    if scope.user is not None:
        user = scope.user
        if user.sees_everything:
            return city
        if not user.is_authenticated or (user.is_liaison and user.department_id is not None):
            return None
        if user.is_inspector:
            return rows.filter(project__in=project_ids_for_inspector(user=user))
        return rows.none()
    if scope.group_id is not None:
        return rows.filter(project__in=_group_project_ids(scope.group_id))
    return city


def _n(q: Q) -> Coalesce:
    return Coalesce(Sum("n", filter=q), 0)


_STATE = Q(kind=Kind.STATE)
_OPEN = _STATE & Q(status__in=OPEN_STATUSES)


def _overdue_r(day: dt.date) -> Q:
    """逾期未整改 at `day`: open, not submitted for verification, deadline before the day."""
    return Q(kind=Kind.OWES, submitted=False, day1__lt=day)


def _red_r(today: dt.date) -> Q:
    """The red light (issues.lights): the department owes work and the deadline passed."""
    return Q(kind=Kind.OWES, status__in=DEPARTMENT_OWES_STATUSES, day1__lt=today)


def _in_month(kind: str, month: Month) -> Q:
    """Rows of a kind keyed by month (handed off, withdrawn, closed): day1 is the month's first day."""
    return Q(kind=kind, day1=month.first_day)


def _dashboard_from_rollup(scope: ReportScope, rollup: QuerySet[IssueRollup], today: dt.date) -> dict:
    months = _trend_months(today)
    soon = due_soon_cutoff(today)
    # light_q's yellow (issues.lights), as ranges: due soon, or the sign-for deadline passed while
    # the rectification deadline is still ahead (past the due-soon days: the first part has the rest).
    yellow = Q(kind=Kind.OWES, status__in=DEPARTMENT_OWES_STATUSES) & (
        Q(day1__gte=today, day1__lte=soon) | Q(status=IssueStatus.HANDED_OFF, day2__lt=today, day1__gt=soon)
    )
    trend = {}
    for month in months:
        trend[f"h_{month.year}_{month.month}"] = _n(_in_month(Kind.HANDED_OFF, month))
        trend[f"c_{month.year}_{month.month}"] = _n(_in_month(Kind.CLOSED, month))
    # Every state and open row, and the monthly rows of the trend's months only.
    wanted = Q(kind__in=(Kind.STATE, Kind.OWES)) | Q(
        kind__in=(Kind.HANDED_OFF, Kind.CLOSED), day1__gte=months[0].first_day
    )
    cards = rollup.filter(wanted).aggregate(
        total=_n(_STATE & ~Q(status=IssueStatus.WITHDRAWN)),
        open=_n(_OPEN),
        red=_n(_red_r(today)),
        yellow=_n(yellow),
        closed=_n(_STATE & Q(status=IssueStatus.CLOSED)),
        closed_on_time=_n(_STATE & Q(status=IssueStatus.CLOSED, on_time=True)),
        **trend,
    )
    cards["green"] = cards["open"] - cards["red"] - cards["yellow"]
    cards["rectification_rate"] = _percent(cards["closed"], cards["total"])
    cards["on_time_rate"] = _percent(cards["closed_on_time"], cards["closed"])
    cards["projects"] = _project_count(scope)
    by_category = dict(rollup.filter(_OPEN).values_list("category").annotate(c=Sum("n")).values_list("category", "c"))
    by_project = list(
        _rollup(scope, by_project=True)
        .filter(_OPEN | _red_r(today))
        .values("project", "project__name", "project__short_name")
        .annotate(c=_n(_OPEN), red=_n(_red_r(today)))
        .filter(c__gt=0)
        .order_by("-c", "project__name")[:TOP_PROJECTS]
    )
    period = _period(Month.of(today), today=today)
    ranking = _standings(_department_records_from_rollup(rollup, _issues(scope), period).records, period)
    return _dashboard(
        scope,
        today,
        cards=cards,
        months=months,
        by_category=by_category,
        by_project=by_project,
        count="c",
        ranking=ranking,
    )


def _department_records_from_rollup(
    rollup: QuerySet[IssueRollup],
    issues: QuerySet[Issue],
    period: _Period,
    *,
    overdue_deadlines: tuple[dt.date, ...] = (),
) -> _Records:
    """_department_records of a live period, from the rollup; the days each closure of the period
    took are read from its issues (through the closed_at index: the month's closures only).
    Queries: 3, whatever the rows."""
    assert period.live, "the rollup holds the present: a closed month is read from the issues"
    closed_in = _in_month(Kind.CLOSED, period.month)
    overdue = _overdue_r(period.as_of)
    grouped = list(
        rollup.filter(closed_in | _OPEN | overdue)
        .values("department", "department__name", "department__short_name")
        .annotate(
            closed=_n(closed_in),
            closed_on_time=_n(closed_in & Q(on_time=True)),
            reworked=_n(closed_in & Q(reworked=True)),
            open=_n(_OPEN),
            overdue=_n(overdue),
            oldest_overdue=Min("day1", filter=overdue & Q(n__gt=0)),
        )
        .order_by()
    )
    month = period.month
    closures = list(
        issues.filter(closed_at__gte=month.start, closed_at__lt=month.end)
        .order_by()
        .values_list("lead_department", "handed_off_at", "closed_at")
    )
    spans = [(timezone.localtime(h).date(), timezone.localtime(c).date()) for _d, h, c in closures]
    firsts = [start for start, _end in spans] + [r["oldest_overdue"] for r in grouped if r["oldest_overdue"]]
    lasts = [end for _start, end in spans] + [period.as_of]
    calendar = WorkCalendar.for_span(min([*firsts, *overdue_deadlines], default=period.as_of), max(lasts))
    to_close: dict[int, list[int]] = {}
    for (department, _h, _c), (start, end) in zip(closures, spans, strict=True):
        to_close.setdefault(department, []).append(calendar.workdays_after(start, end))
    records = [
        DepartmentRecord(
            id=row["department"],
            name=row["department__short_name"] or row["department__name"],
            closed=row["closed"],
            closed_on_time=row["closed_on_time"],
            reworked=row["reworked"],
            overdue=row["overdue"],
            max_overdue_working_days=calendar.workdays_after(row["oldest_overdue"], period.as_of)
            if row["oldest_overdue"]
            else 0,
            avg_close_working_days=_mean(to_close.get(row["department"], [])),
        )
        for row in grouped
        if row["closed"] or row["open"]
    ]
    every = [d for days in to_close.values() for d in days]
    return _Records(records=records, calendar=calendar, close_days_total=sum(every), closures=len(every))


# --- the whole city's figures from its coarse rollup rows -----------------------------------
#
# The city's rows (rollups.sql.city_branches) count every issue at three grains: the whole city
# (department 0, category ''), per department and per category. One statement reads the rows a
# day's figures need (rollups.selectors.city_rows, a bounded number whatever the issues); the
# figures are summed from them here, by the same definitions as the scans above.

_WHOLE_CITY = "city"
_BY_DEPARTMENT = "department"
_BY_CATEGORY = "category"


def _is_city(scope: ReportScope) -> bool:
    """The whole city: a leader's dashboard, or the city's summary."""
    if scope.user is not None:
        return bool(scope.user.sees_everything)
    return scope.group_id is None


def _grain(row: CityRow) -> str:
    if row.category == ALL_CATEGORIES:
        return _WHOLE_CITY if row.department == ALL_DEPARTMENTS else _BY_DEPARTMENT
    return _BY_CATEGORY


@dataclass
class _City:
    rows: list[CityRow]
    today: dt.date
    soon: dt.date
    month: Month
    # The span of days whose hand-off days were weighed in the read, and the calendar that counted
    # them (its overrides read for that span).
    running: RunningWorkdays
    calendar: WorkCalendar

    def __post_init__(self) -> None:
        # Rows by (kind, grain): each figure reads its few rows, not every row read.
        self._by: dict[tuple[str, str], list[CityRow]] = {}
        for row in self.rows:
            self._by.setdefault((row.kind, _grain(row)), []).append(row)

    def of(self, grain: str, *kinds: str) -> list[CityRow]:
        return [r for kind in kinds for r in self._by.get((kind, grain), [])]

    def _overdue(self, row: CityRow) -> bool:
        """A deadline before today, not submitted: months (M) and quarters (Q) read are all before
        today's quarter, days (O) from it on; the department and category grains count only issues
        not submitted."""
        if row.kind in (Kind.MONTH, Kind.QUARTER):
            return not row.submitted
        return row.kind == Kind.OWES and row.day1 < self.today and not row.submitted

    def overdue_rows(self, grain: str) -> list[CityRow]:
        return [r for r in self.of(grain, Kind.OWES, Kind.QUARTER, Kind.MONTH) if self._overdue(r)]

    def overdue_by(self, grain: str) -> dict[Any, int]:
        return _summed(self.overdue_rows(grain), grain)

    def month_by(self, kind: str, grain: str, *, on_time: bool = False, reworked: bool = False) -> dict[Any, int]:
        rows = [
            r
            for r in self.of(grain, kind)
            if r.day1 == self.month.first_day and (r.on_time or not on_time) and (r.reworked or not reworked)
        ]
        return _summed(rows, grain)

    def open_by(self, grain: str) -> dict[Any, int]:
        return _summed([r for r in self.of(grain, Kind.STATE) if r.status in OPEN_STATUSES], grain)

    def top_categories(self, counts: dict[Any, int]) -> list[dict]:
        """_by_category_from_rollup's list: the PATTERN_ROWS largest, then by category."""
        labels = dict(IssueCategory.choices)
        rows = sorted(((-n, category) for category, n in counts.items() if n > 0))[:PATTERN_ROWS]
        return [{"label": str(labels.get(category, category)), "n": -n} for n, category in rows]

    @functools.cached_property
    def _names(self) -> dict[int, tuple[str, int]]:
        return {r.department: (r.short_name or r.name, r.name_rank) for r in self.rows if r.department}

    def names(self) -> dict[int, tuple[str, int]]:
        """Each department's name as the figures show it, and its rank by full name (read once
        from the rows: three readers ask)."""
        return self._names

    def late_sign_for(self) -> dict:
        """_late_sign_for of the live month, from the late sign-for rows (L) read: the month's
        sign-for deadlines before today."""
        counts = _summed(self.of(_BY_DEPARTMENT, Kind.LATE_SIGN_FOR), _BY_DEPARTMENT)
        names = self.names()
        ordered = sorted((d for d, n in counts.items() if n), key=lambda d: (-counts[d], names[d][1]))
        departments = [{"name": names[d][0], "n": counts[d]} for d in ordered]
        return {
            "late_signed": sum(row["n"] for row in departments),
            "late_signed_departments": departments[:PATTERN_ROWS],
            "late_signed_departments_total": len(departments),
        }


def _summed(rows: list[CityRow], grain: str) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for r in rows:
        key = r.department if grain == _BY_DEPARTMENT else r.category if grain == _BY_CATEGORY else None
        out[key] = out.get(key, 0) + r.n
    return out


# The span before the month's first day whose hand-off days the city's read weighs in the database
# (rollups.selectors.city_rows): a closure handed off before it is read as its own row.
HAND_OFF_SPAN = dt.timedelta(days=366)


def _city_read(today: dt.date, *, soon: dt.date | None = None) -> _City:
    months = _trend_months(today)
    soon = soon or today
    month = months[-1]
    # The calendar of the closures' hand-off days and close days (the month's): its overrides are
    # read once, before the rows, and serve the working days to close and, unless a department's
    # oldest overdue deadline is older, the days overdue (_department_records_from_city).
    first, last = month.first_day - HAND_OFF_SPAN, month.last_day
    calendar = WorkCalendar.for_span(first, last)
    running = RunningWorkdays(first=first, counts=calendar.running(first, last))
    rows = city_rows(
        today=today,
        month_first=month.first_day,
        quarter_first=quarter_of(today),
        trend_first=months[0].first_day,
        soon=soon,
        running=running,
    )
    return _City(rows=rows, today=today, soon=soon, month=month, running=running, calendar=calendar)


def _dashboard_from_city(scope: ReportScope, today: dt.date) -> dict:
    """_dashboard_from_rollup for the whole city, from its coarse rows (one read) and the projects'
    open counts (one read of the first TOP_PROJECTS)."""
    months = _trend_months(today)
    soon = due_soon_cutoff(today)
    city = _city_read(today, soon=soon)
    whole = city.of(_WHOLE_CITY, Kind.STATE)
    owes = [
        r for r in city.of(_WHOLE_CITY, Kind.OWES, Kind.QUARTER, Kind.MONTH) if r.status in DEPARTMENT_OWES_STATUSES
    ]
    # light_q's red and yellow (issues.lights), as _dashboard_from_rollup reads them.
    red = sum(r.n for r in owes if r.kind != Kind.OWES or r.day1 < today)
    yellow = sum(
        r.n
        for r in owes
        if r.kind == Kind.OWES
        and (today <= r.day1 <= soon or (r.status == IssueStatus.HANDED_OFF and r.day2 < today and r.day1 > soon))
    )
    cards: dict[str, Any] = {
        "total": sum(r.n for r in whole if r.status != IssueStatus.WITHDRAWN),
        "open": sum(r.n for r in whole if r.status in OPEN_STATUSES),
        "red": red,
        "yellow": yellow,
        "closed": sum(r.n for r in whole if r.status == IssueStatus.CLOSED),
        "closed_on_time": sum(r.n for r in whole if r.status == IssueStatus.CLOSED and r.on_time),
    }
    by_month: dict[tuple[str, dt.date], int] = {}
    for r in city.of(_WHOLE_CITY, Kind.HANDED_OFF, Kind.CLOSED):
        by_month[(r.kind, r.day1)] = by_month.get((r.kind, r.day1), 0) + r.n
    for month in months:
        cards[f"h_{month.year}_{month.month}"] = by_month.get((Kind.HANDED_OFF, month.first_day), 0)
        cards[f"c_{month.year}_{month.month}"] = by_month.get((Kind.CLOSED, month.first_day), 0)
    cards["green"] = cards["open"] - cards["red"] - cards["yellow"]
    cards["rectification_rate"] = _percent(cards["closed"], cards["total"])
    cards["on_time_rate"] = _percent(cards["closed_on_time"], cards["closed"])
    cards["projects"] = _project_count(scope)
    period = _period(Month.of(today), today=today)
    ranking = _standings(_department_records_from_city(city, _issues(scope), period).records, period)
    return _dashboard(
        scope,
        today,
        cards=cards,
        months=months,
        by_category=city.open_by(_BY_CATEGORY),
        by_project=_top_projects(today),
        count="c",
        ranking=ranking,
    )


def _top_projects(today: dt.date) -> list[dict]:
    """The TOP_PROJECTS projects with the most open issues (then by name) and their red ones: the
    projects' open counts (Kind.PROJECT_OPEN) read from the largest down through their index, the
    rows tied with the last one included; red summed from each listed project's own rows. One query."""
    rows = IssueRollup.objects.filter(kind=Kind.PROJECT_OPEN, n__gt=0)
    last = rows.order_by("-n").values("n")[TOP_PROJECTS - 1 : TOP_PROJECTS]
    red = (
        IssueRollup.objects.filter(project_id=OuterRef("project_id"))
        .filter(_red_r(today))
        .order_by()
        .values("project_id")
        .annotate(s=Sum("n"))
        .values("s")
    )
    return list(
        rows.filter(n__gte=Coalesce(Subquery(last), 1))
        .values("project", "project__name", "project__short_name")
        .annotate(c=F("n"), red=Coalesce(Subquery(red), 0))
        .order_by("-c", "project__name")[:TOP_PROJECTS]
    )


def _department_records_from_city(
    city: _City, issues: QuerySet[Issue], period: _Period, *, overdue_deadlines: tuple[dt.date, ...] = ()
) -> _Records:
    """_department_records_from_rollup for the whole city, from its department rows; the oldest
    overdue deadline of a department whose oldest overdue bucket is a month or a quarter is read
    from that bucket's days (rollups.selectors.oldest_deadlines). Queries: 4, whatever the rows."""
    closed = city.month_by(Kind.CLOSED, _BY_DEPARTMENT)
    on_time = city.month_by(Kind.CLOSED, _BY_DEPARTMENT, on_time=True)
    reworked = city.month_by(Kind.CLOSED, _BY_DEPARTMENT, reworked=True)
    open_ = city.open_by(_BY_DEPARTMENT)
    overdue_rows = [r for r in city.overdue_rows(_BY_DEPARTMENT) if r.n > 0]
    overdue = _summed(overdue_rows, _BY_DEPARTMENT)
    oldest: dict[int, CityRow] = {}
    for r in overdue_rows:
        rank = (r.kind != Kind.MONTH, r.kind != Kind.QUARTER, r.day1)
        if r.department not in oldest or rank < (
            oldest[r.department].kind != Kind.MONTH,
            oldest[r.department].kind != Kind.QUARTER,
            oldest[r.department].day1,
        ):
            oldest[r.department] = r
    windows = {d: (r.day1, _bucket_end(r)) for d, r in oldest.items() if r.kind in (Kind.MONTH, Kind.QUARTER)}
    oldest_day = {d: r.day1 for d, r in oldest.items() if r.kind == Kind.OWES}
    oldest_day.update(oldest_deadlines(windows=windows))
    # The working days to close: each closure's R(closed) − R(handed off) (core.workdays: R a
    # running count of working days), summed per department from the days of the month's
    # closures (X, one row per department and day closed) and of their hand-offs (Y: within the
    # read's span one row per department, Σ n × R from the span's first day in `workdays`; before
    # it, a row per department and day), whatever the closures. A closure on the day of its
    # hand-off counts 0, as workdays_after does; a closure is never before its hand-off.
    closed_days = city.of(_BY_DEPARTMENT, Kind.CLOSE_DAY)
    handed_days = [r for r in city.of(_BY_DEPARTMENT, Kind.CLOSED_HANDED_OFF_DAY) if r.day1 == period.month.first_day]
    firsts = [r.day2 for r in handed_days if r.workdays is None] + list(oldest_day.values())
    lasts = [r.day1 for r in closed_days] + [period.as_of]
    low, high = min([*firsts, *overdue_deadlines], default=period.as_of), max(lasts)
    if city.running.first <= low and high <= city.running.last:
        calendar = city.calendar  # its overrides cover every day counted
    else:  # a department overdue since before the span, or a closure handed off before it
        calendar = WorkCalendar.for_span(min(low, city.running.first), max(high, city.running.last))
    origin = min([*firsts, *overdue_deadlines, *lasts, city.running.first])
    span_first = calendar.workdays_after(origin, city.running.first)  # R of the span's first day
    close_days: dict[int, int] = {}
    closures: dict[int, int] = {}
    for r in closed_days:
        close_days[r.department] = close_days.get(r.department, 0) + r.n * calendar.workdays_after(origin, r.day1)
        closures[r.department] = closures.get(r.department, 0) + r.n
    for r in handed_days:
        handed = r.n * calendar.workdays_after(origin, r.day2) if r.workdays is None else r.n * span_first + r.workdays
        close_days[r.department] = close_days.get(r.department, 0) - handed
    names = city.names()
    records = [
        DepartmentRecord(
            id=department,
            name=names[department][0],
            closed=closed.get(department, 0),
            closed_on_time=on_time.get(department, 0),
            reworked=reworked.get(department, 0),
            overdue=overdue.get(department, 0),
            max_overdue_working_days=calendar.workdays_after(oldest_day[department], period.as_of)
            if department in oldest_day
            else 0,
            avg_close_working_days=round(close_days[department] / closures[department], 1)
            if closures.get(department)
            else None,
        )
        for department in sorted(set(closed) | set(open_))
        if closed.get(department) or open_.get(department)
    ]
    return _Records(
        records=records,
        calendar=calendar,
        close_days_total=sum(close_days.values()),
        closures=sum(closures.values()),
    )


def _bucket_end(row: CityRow) -> dt.date:
    """The day after a month's (M) or a quarter's (Q) last day."""
    next_month = Month.of(row.day1).next().first_day
    if row.kind == Kind.MONTH:
        return next_month
    return min(row.day1 + dt.timedelta(days=7), next_month)


def _month_counts_from_city(city: _City) -> tuple[dict, list[dict]]:
    """_month_counts_from_rollup's headline counts and department table, from the city's rows."""
    whole = city.of(_WHOLE_CITY, Kind.STATE)
    existing = [r for r in whole if r.status != IssueStatus.WITHDRAWN]

    def counts(grain: str) -> dict[str, dict[Any, int]]:
        return {
            "handed_off": city.month_by(Kind.HANDED_OFF, grain),
            "withdrawn": city.month_by(Kind.WITHDRAWN, grain),
            "closed": city.month_by(Kind.CLOSED, grain),
            "closed_on_time": city.month_by(Kind.CLOSED, grain, on_time=True),
            "open": city.open_by(grain),
            "overdue": city.overdue_by(grain),
        }

    core: dict[str, Any] = {name: by.get(None, 0) for name, by in counts(_WHOLE_CITY).items()}
    core["reworked"] = sum(r.n for r in existing if r.reworked)
    core["total_handed_off"] = sum(r.n for r in existing)
    core["total_closed"] = sum(r.n for r in whole if r.status == IssueStatus.CLOSED)
    _add_rates(core)
    by_department = counts(_BY_DEPARTMENT)
    names = city.names()
    rows = [
        {"department": d, **{name: by.get(d, 0) for name, by in by_department.items()}}
        for d in {d for by in by_department.values() for d, n in by.items() if n}
    ]
    rows.sort(key=lambda row: (-row["overdue"], -row["open"], names[row["department"]][1]))
    departments = [_row(row, key="department", name=names[row["department"]][0]) for row in rows if _has_news(row)]
    return core, departments
