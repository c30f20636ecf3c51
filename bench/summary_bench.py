"""Server-side timings of the monthly summary, the dashboard and a ledger page at data set S, each
beside hand-written SQL producing the same figures, with the ratio (goal <= 2x) and query counts.

    createdb dudao_bench5
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao_bench5
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py generate_scale_data
    .venv/bin/python bench/summary_bench.py [--repeat 7]

Times are medians of --repeat warm runs (one untimed warm-up first), measured in this process:
pages through Django's test client (URL routing, middleware, view, template rendering), figures by
calling the selector. The hand-written SQL is checked to give the same numbers before it is timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Test settings: plain static storage (no collectstatic manifest needed), otherwise the same stack.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from dispatch.models import MonthlySummary  # noqa: E402
from issues.lights import due_soon_cutoff  # noqa: E402
from issues.models import Issue  # noqa: E402
from issues.views import LEDGER_PAGE_SIZE  # noqa: E402
from reports.figures import (  # noqa: E402
    ReportScope,
    current_month,
    dashboard_figures,
    dashboard_scope_for,
    monthly_figures,
)

CITY = ReportScope(key="all", label="全市")

# One statement, one scan: the month's core figures, per department and per project, with
# GROUPING SETS. Same definitions as dispatch/figures.py (see its docstring).
MONTH_SQL = """
WITH i AS (
  SELECT lead_department_id AS d, project_id AS p, handed_off_at, closed_at, withdrawn_at, submitted_at,
         rectification_deadline, return_count,
         (COALESCE(submitted_at, closed_at) AT TIME ZONE %(tz)s)::date AS done_on
  FROM issues_issue
)
SELECT GROUPING(d) AS gd, GROUPING(p) AS gp, d, p,
  COUNT(*) FILTER (WHERE handed_off_at >= %(start)s AND handed_off_at < %(end)s) AS handed_off,
  COUNT(*) FILTER (WHERE withdrawn_at >= %(start)s AND withdrawn_at < %(end)s) AS withdrawn,
  COUNT(*) FILTER (WHERE closed_at >= %(start)s AND closed_at < %(end)s) AS closed,
  COUNT(*) FILTER (WHERE closed_at >= %(start)s AND closed_at < %(end)s AND done_on <= rectification_deadline)
    AS closed_on_time,
  COUNT(*) FILTER (WHERE handed_off_at < %(cut)s AND (withdrawn_at IS NULL OR withdrawn_at >= %(cut)s)
                   AND (closed_at IS NULL OR closed_at >= %(cut)s)) AS open,
  COUNT(*) FILTER (WHERE handed_off_at < %(cut)s AND (withdrawn_at IS NULL OR withdrawn_at >= %(cut)s)
                   AND (closed_at IS NULL OR closed_at >= %(cut)s) AND (submitted_at IS NULL OR submitted_at >= %(cut)s)
                   AND rectification_deadline < %(day)s) AS overdue,
  COUNT(*) FILTER (WHERE handed_off_at < %(cut)s AND (withdrawn_at IS NULL OR withdrawn_at >= %(cut)s)
                   AND return_count >= 1) AS reworked,
  COUNT(*) FILTER (WHERE handed_off_at < %(cut)s AND (withdrawn_at IS NULL OR withdrawn_at >= %(cut)s))
    AS total_handed_off,
  COUNT(*) FILTER (WHERE handed_off_at < %(cut)s AND (withdrawn_at IS NULL OR withdrawn_at >= %(cut)s)
                   AND closed_at < %(cut)s) AS total_closed
FROM i GROUP BY GROUPING SETS ((), (d), (p))
"""

# The dashboard's cards and 12-month trend in one scan.
DASHBOARD_SQL = """
SELECT
  COUNT(*) FILTER (WHERE status <> 'withdrawn') AS total,
  COUNT(*) FILTER (WHERE status IN ('handed_off','in_progress','submitted')) AS open,
  COUNT(*) FILTER (WHERE status IN ('handed_off','in_progress') AND rectification_deadline < %(today)s) AS red,
  COUNT(*) FILTER (WHERE status IN ('handed_off','in_progress') AND rectification_deadline >= %(today)s
                   AND (rectification_deadline <= %(soon)s OR (status = 'handed_off' AND sign_deadline < %(today)s)))
    AS yellow,
  COUNT(*) FILTER (WHERE status = 'closed') AS closed,
  COUNT(*) FILTER (WHERE status = 'closed'
                   AND (COALESCE(submitted_at, closed_at) AT TIME ZONE %(tz)s)::date <= rectification_deadline)
    AS closed_on_time
FROM issues_issue
"""
TREND_SQL = """
SELECT m, SUM(h)::int, SUM(c)::int FROM (
  SELECT date_trunc('month', handed_off_at AT TIME ZONE %(tz)s) AS m, 1 AS h, 0 AS c FROM issues_issue
   WHERE handed_off_at >= %(since)s
  UNION ALL
  SELECT date_trunc('month', closed_at AT TIME ZONE %(tz)s), 0, 1 FROM issues_issue WHERE closed_at >= %(since)s
) x GROUP BY m ORDER BY m
"""
CATEGORY_SQL = """SELECT category, COUNT(*) FROM issues_issue
 WHERE status IN ('handed_off','in_progress','submitted') GROUP BY category"""
RANKING_SQL = """
SELECT lead_department_id, COUNT(*), COUNT(*) FILTER (WHERE status = 'closed'),
  COUNT(*) FILTER (WHERE status = 'closed'
                   AND (COALESCE(submitted_at, closed_at) AT TIME ZONE %(tz)s)::date <= rectification_deadline),
  COUNT(*) FILTER (WHERE return_count >= 1),
  AVG(closed_at - handed_off_at) FILTER (WHERE status = 'closed')
FROM issues_issue WHERE status <> 'withdrawn' GROUP BY lead_department_id
"""
PROJECTS_SQL = """SELECT project_id, COUNT(*) FROM issues_issue
 WHERE status IN ('handed_off','in_progress','submitted') GROUP BY project_id ORDER BY 2 DESC LIMIT 15"""
LEDGER_SQL = """
SELECT i.id, i.code, i.title, i.status, i.handed_off_at, i.rectification_deadline, p.name, d.name
FROM issues_issue i JOIN projects_project p ON p.id = i.project_id JOIN accounts_department d ON d.id = i.lead_department_id
ORDER BY i.handed_off_at DESC, i.id DESC LIMIT %(rows)s
"""
LEDGER_COUNT_SQL = "SELECT COUNT(*) FROM issues_issue"
# light=red: the department still owes work and the deadline has passed (issues/lights.py).
RED = "i.status IN ('handed_off', 'in_progress') AND i.rectification_deadline < %(day)s"
LEDGER_RED_SQL = LEDGER_SQL.replace("ORDER BY", f"WHERE {RED} ORDER BY")
LEDGER_RED_COUNT_SQL = f"SELECT COUNT(*) FROM issues_issue i WHERE {RED}"


def median_ms(work, repeat: int, setup=None) -> float:
    work()  # warm-up: caches, connection, compiled templates
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()  # untimed
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def commit_elsewhere() -> None:
    """What any committed change does to the data version: every cached count and choice list
    is read afresh by the next page (core/dataversion.py)."""
    with connection.cursor() as cursor:
        # Every domain's number (core 0010): any change at all, the worst case.
        cursor.execute("UPDATE core_data_version SET value = nextval('core_data_version_seq')")


def run_sql(*statements):
    def work():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return work


def queries_of(work) -> int:
    with CaptureQueriesContext(connection) as ctx:
        work()
    return len(ctx.captured_queries)


def page(client: Client, url: str):
    def work():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)

    return work


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the benchmark runs on PostgreSQL: set DATABASE_URL")
    settings.DEBUG = False
    # As in production (the test settings switch it off because test transactions never commit):
    # the ledger's filter choices are cached under the committed data version.
    settings.DUDAO_CACHE_BY_DATA_VERSION = True
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    issues = Issue.objects.count()
    print(f"data: {issues:,} issues; PostgreSQL {connection.cursor().connection.info.server_version}")
    leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"full_name": "测评领导"})
    from django.contrib.auth.models import Group

    leader.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    leader = User.objects.get(pk=leader.pk)
    client = Client()
    client.force_login(leader)

    today = timezone.localdate()
    month = current_month().previous()
    tz = settings.TIME_ZONE
    month_params = {"tz": tz, "start": month.start, "end": month.end, "cut": month.end, "day": month.last_day}

    # Check: the hand-written SQL gives the ORM's numbers.
    orm = monthly_figures(month=month, scope=CITY)
    with connection.cursor() as cursor:
        cursor.execute(MONTH_SQL, month_params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    total = next(r for r in rows if r["gd"] == 1 and r["gp"] == 1)
    for key in (
        "handed_off",
        "withdrawn",
        "closed",
        "closed_on_time",
        "open",
        "overdue",
        "reworked",
        "total_handed_off",
        "total_closed",
    ):
        assert total[key] == orm["core"][key], (key, total[key], orm["core"][key])
    sql_departments = {r["d"]: r for r in rows if r["gd"] == 0 and (r["handed_off"] or r["closed"] or r["open"])}
    assert {r["id"]: r["overdue"] for r in orm["departments"]} == {k: v["overdue"] for k, v in sql_departments.items()}
    dash = dashboard_figures(scope=dashboard_scope_for(user=leader))
    with connection.cursor() as cursor:
        cursor.execute(DASHBOARD_SQL, {"tz": tz, "today": today, "soon": due_soon_cutoff(today)})
        row = cursor.fetchone()
    assert list(row[:6]) == [dash["cards"][k] for k in ("total", "open", "red", "yellow", "closed", "closed_on_time")]
    print(f"checked: hand-written SQL = ORM figures for {month} and for the dashboard cards\n")

    MonthlySummary.objects.filter(month=month.first_day, scope_key="all").delete()
    summary_url = reverse("reports:summary", kwargs={"month": month})
    # Freezes the month once, as the 1st-of-month task would.
    assert client.get(summary_url).status_code == 200
    since = current_month().start.replace(year=current_month().start.year - 1)
    dash_sql = run_sql(
        (DASHBOARD_SQL, {"tz": tz, "today": today, "soon": due_soon_cutoff(today)}),
        (TREND_SQL, {"tz": tz, "since": since}),
        (CATEGORY_SQL, {}),
        (PROJECTS_SQL, {}),
        (RANKING_SQL, {"tz": tz}),
    )
    month_sql = run_sql((MONTH_SQL, month_params))
    live = current_month()
    live_params = {"tz": tz, "start": live.start, "end": live.end, "cut": timezone.now(), "day": today}
    live_sql = run_sql((MONTH_SQL, live_params))
    # The page's own page size: the same rows the page shows.
    ledger_sql = run_sql((LEDGER_SQL, {"rows": LEDGER_PAGE_SIZE}), (LEDGER_COUNT_SQL, {}))
    ledger_red_sql = run_sql(
        (LEDGER_RED_SQL, {"day": today, "rows": LEDGER_PAGE_SIZE}), (LEDGER_RED_COUNT_SQL, {"day": today})
    )

    cases = [
        ("summary page, closed month (frozen)", page(client, summary_url), month_sql),
        ("summary figures, closed month (freeze)", lambda: monthly_figures(month=month, scope=CITY), month_sql),
        (
            "summary page, current month (live)",
            page(client, reverse("reports:summary", kwargs={"month": live})),
            live_sql,
        ),
        ("dashboard page", page(client, reverse("reports:dashboard")), dash_sql),
        ("dashboard figures", lambda: dashboard_figures(scope=dashboard_scope_for(user=leader)), dash_sql),
        ("ledger page 1", page(client, reverse("issues:ledger")), ledger_sql),
        ("ledger page, light=red", page(client, reverse("issues:ledger") + "?light=red"), ledger_red_sql),
    ]
    print(f"{'what':42} {'ORM/page ms':>12} {'SQL ms':>8} {'ratio':>6} {'queries':>8}")
    cases += [
        (
            "ledger page 1, first read after a change",
            page(client, reverse("issues:ledger")),
            ledger_sql,
            commit_elsewhere,
        ),
        (
            "ledger page, light=red, after a change",
            page(client, reverse("issues:ledger") + "?light=red"),
            ledger_red_sql,
            commit_elsewhere,
        ),
    ]
    for name, work, sql, *setup in cases:
        reset_queries()
        ours = median_ms(work, args.repeat, *setup)
        theirs = median_ms(sql, args.repeat)
        print(f"{name:42} {ours:12.1f} {theirs:8.1f} {ours / theirs:6.2f} {queries_of(work):8d}")


if __name__ == "__main__":
    main()
