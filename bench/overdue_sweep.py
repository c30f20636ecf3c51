"""The overdue sweep (issues.alerts.alert_overdue) over 200,000 open issues, 20,000 of them
overdue, on PostgreSQL — beside one hand-written INSERT … SELECT … ON CONFLICT DO NOTHING that
writes the same rows.

    .venv/bin/python bench/overdue_sweep.py                 # builds dudao_bench4 once, then measures
    .venv/bin/python bench/overdue_sweep.py --rebuild       # drop and rebuild the data set
    .venv/bin/python bench/overdue_sweep.py --database dudao_bench4 --repeat 5

Reports, for the sweep as a worker runs it (a separate, long-lived process running it --repeat
times after one cold run):
queries per 1,000 issues (goal ≤ 1), its time against the hand-written statement (goal ≤ 3×),
the rerun time (everything already notified: nothing written, nothing queued), and the peak RSS
of that process (resource.getrusage; goal ≤ 150 MB). Times are medians of --repeat runs, each
after emptying the notification table, transaction and commit included on both sides. Emails are queued to an in-memory Celery broker, so the
publishing cost is counted but nothing is delivered. Not part of the test suite.

The data set is built with bulk inserts (bulk_create in batches of 5,000, audit triggers off for
the loading session), in its own database, which is created if missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OPEN_ISSUES = 200_000
OVERDUE_ISSUES = 20_000
DEPARTMENTS = 50
INSPECTORS = 100
PROJECTS = 200
BATCH = 5000
PREFIX = "OV"

# The same rows alert_overdue writes: one per (lead department's liaison, overdue issue) and one
# per (handing inspector, overdue issue); title/body/url as the application words them.
HAND_WRITTEN = """
INSERT INTO notifications_notification
  (recipient_id, target_id, period, title, body, url, kind, target_type, created_at,
   email_status, email_attempts, email_error)
SELECT r.recipient_id, i.id, i.rectification_deadline::varchar,
       '问题 ' || i.code || ' 已超过整改时限（' || i.rectification_deadline::varchar || '），整改逾期',
       i.title || E'\\n逾期问题将按规定升级督办，请尽快整改到位。',
       '/issues/' || i.id || '/', 'overdue', 'issue', now(),
       CASE WHEN u.email = '' OR EXISTS (SELECT 1 FROM notifications_emailpreference p
                 WHERE p.user_id = r.recipient_id AND p.kind = 'overdue' AND NOT p.email_enabled)
            THEN 'skipped' ELSE 'pending' END,
       0, ''
FROM issues_issue i
CROSS JOIN LATERAL (
    SELECT l.id AS recipient_id FROM accounts_user l
      JOIN accounts_user_groups ug ON ug.user_id = l.id
      JOIN auth_group g ON g.id = ug.group_id AND g.name = 'liaison'
     WHERE l.department_id = i.lead_department_id AND l.is_active
    UNION ALL
    SELECT h.id FROM accounts_user h WHERE h.id = i.handed_off_by_id AND h.is_active
) r
JOIN accounts_user u ON u.id = r.recipient_id
WHERE i.status IN ('handed_off', 'in_progress') AND i.rectification_deadline < %(today)s
ON CONFLICT DO NOTHING
"""


DIGEST = (
    "SELECT md5(string_agg(recipient_id || ':' || target_id || ':' || period || ':' || title || ':' || body"
    " || ':' || url || ':' || email_status, ',' ORDER BY recipient_id, target_id)) FROM notifications_notification"
)


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    # Publish the queued email chunks to memory: counted, never delivered, no broker needed.
    from config.celery_app import app

    app.conf.broker_url = "memory://"
    app.conf.broker_write_url = "memory://"
    app.conf.broker_read_url = "memory://"


def ensure_database(database: str, *, rebuild: bool) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{database}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def build(today: dt.date) -> None:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Department, User
    from accounts.roles import Role
    from issues.models import Issue, IssueCategory, IssueStatus
    from projects.models import GroupMembership, Project, SupervisionGroup

    call_command("migrate", verbosity=0, interactive=False)
    if Issue.objects.filter(code=f"{PREFIX}0000001").exists():
        print(f"data set present: {Issue.objects.count():,} issues")
        return
    started = time.perf_counter()
    rng = random.Random(2026)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no audit rows for synthetic data
        liaison_group, _ = Group.objects.get_or_create(name=Role.LIAISON)
        inspector_group, _ = Group.objects.get_or_create(name=Role.INSPECTOR)
        leader_group, _ = Group.objects.get_or_create(name=Role.LEADER)
        enterprise = Department.objects.create(name="基准测试企业", kind=Department.Kind.ENTERPRISE)
        departments = Department.objects.bulk_create(
            Department(name=f"基准测试局{n:02d}", kind=Department.Kind.CITY_DEPARTMENT) for n in range(DEPARTMENTS)
        )
        password = "!"  # unusable: benchmark users never log in
        liaisons = User.objects.bulk_create(
            User(
                username=f"bench_liaison_{n:02d}", email=f"liaison{n}@bench.example", department=dept, password=password
            )
            for n, dept in enumerate(departments)
        )
        inspectors = User.objects.bulk_create(
            User(username=f"bench_inspector_{n:03d}", email=f"inspector{n}@bench.example", password=password)
            for n in range(INSPECTORS)
        )
        leaders = User.objects.bulk_create(
            User(username=f"bench_leader_{n}", email=f"leader{n}@bench.example", password=password) for n in range(3)
        )
        Through = User.groups.through
        Through.objects.bulk_create(
            [Through(user_id=u.pk, group_id=liaison_group.pk) for u in liaisons]
            + [Through(user_id=u.pk, group_id=inspector_group.pk) for u in inspectors]
            + [Through(user_id=u.pk, group_id=leader_group.pk) for u in leaders]
        )
        projects = Project.objects.bulk_create(
            Project(name=f"基准测试项目{n:03d}", county="昭阳区", enterprise=enterprise, investment=10)
            for n in range(PROJECTS)
        )
        groups = SupervisionGroup.objects.bulk_create(SupervisionGroup(name=f"基准测试督导组{n}") for n in range(20))
        SupervisionGroup.projects.through.objects.bulk_create(
            SupervisionGroup.projects.through(supervisiongroup_id=groups[n % 20].pk, project_id=p.pk)
            for n, p in enumerate(projects)
        )
        GroupMembership.objects.bulk_create(
            GroupMembership(group=groups[n % 20], user=u, role="lead" if n < 20 else "member")
            for n, u in enumerate(inspectors)
        )
        now = timezone.now()
        categories = IssueCategory.values

        def issues():
            for n in range(1, OPEN_ISSUES + 1):
                overdue = n % (OPEN_ISSUES // OVERDUE_ISSUES) == 0
                if overdue:
                    deadline = today - dt.timedelta(days=rng.randint(1, 60))
                else:
                    deadline = today + dt.timedelta(days=rng.randint(0, 120))
                signed = rng.random() < 0.7
                yield Issue(
                    code=f"{PREFIX}{n:07d}",
                    project=projects[n % PROJECTS],
                    title=f"基准问题{n}",
                    description="基准测试数据",
                    category=categories[n % len(categories)],
                    lead_department=departments[n % DEPARTMENTS],
                    handed_off_by=inspectors[n % INSPECTORS],
                    handed_off_at=now - dt.timedelta(days=90),
                    sign_deadline=min(deadline, today - dt.timedelta(days=80)),
                    rectification_deadline=deadline,
                    status=IssueStatus.IN_PROGRESS if signed else IssueStatus.HANDED_OFF,
                    signed_at=now - dt.timedelta(days=85) if signed else None,
                )

        batch = []
        for issue in issues():
            batch.append(issue)
            if len(batch) == BATCH:
                Issue.objects.bulk_create(batch)
                batch = []
        if batch:
            Issue.objects.bulk_create(batch)
    with connection.cursor() as cursor:  # autocommit again: planner statistics for the new rows
        cursor.execute("VACUUM ANALYZE")
    print(f"built {OPEN_ISSUES:,} open issues ({OVERDUE_ISSUES:,} overdue) in {time.perf_counter() - started:.1f} s")


def measure_sweep(today: dt.date) -> dict:
    """One run of the sweep, its transaction and commit included, with its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from issues.alerts import alert_overdue

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        created = alert_overdue(today=today)  # atomic: the commit (and the email queueing) is inside
        elapsed = time.perf_counter() - started
    return {"created": created, "seconds": elapsed, "queries": len(queries.captured_queries)}


def worker_runs(today: dt.date, repeat: int) -> dict:
    """What a long-lived worker does: the sweep `repeat` times on an empty table, each followed by
    a rerun that finds everything notified. The first run pays imports and the broker connection
    (reported apart as `cold`); the others are the warm runs."""
    from django.db import connection

    connection.ensure_connection()
    runs, reruns = [], []
    for _ in range(repeat + 1):
        truncate()
        runs.append(measure_sweep(today))
        reruns.append(measure_sweep(today))
    return {
        "cold": runs[0],
        "runs": runs[1:],
        "reruns": reruns[1:],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args) -> dict:
    """The sweep in a fresh process (like a worker), so its peak RSS is the sweep's alone."""
    command = [
        sys.executable,
        __file__,
        "--database",
        args.database,
        "--today",
        args.today,
        "--repeat",
        str(args.repeat),
        "--child",
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO).stdout
    return json.loads(out.strip().splitlines()[-1])


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification")


def hand_written(today: dt.date) -> tuple[float, int]:
    """The reference statement in its own transaction, commit included (as the sweep's is)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN, {"today": today})
        rows = cursor.rowcount
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="dudao_bench4")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--today", default="2026-11-26", help="the sweep's today (the data set is built around it)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)

    if args.child:
        setup_django(args.database)
        print(json.dumps(worker_runs(today, args.repeat)))
        return

    ensure_database(args.database, rebuild=args.rebuild)
    setup_django(args.database)
    build(today)
    from django.db import connection

    from issues.models import OPEN_STATUSES, Issue

    # Fresh planner statistics, as autovacuum keeps them in production: without them PostgreSQL
    # guesses a handful of users and picks a nested loop over every department's issues.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    open_count = Issue.objects.filter(status__in=OPEN_STATUSES).count()
    overdue_count = Issue.objects.filter(status__in=OPEN_STATUSES, rectification_deadline__lt=today).count()

    # Check first that both write the same rows.
    truncate()
    _, hand_rows = hand_written(today)
    with connection.cursor() as cursor:
        cursor.execute(DIGEST)
        hand_digest = cursor.fetchone()[0]
    worker = child(args)
    first = worker["runs"][-1]
    with connection.cursor() as cursor:
        cursor.execute(DIGEST)
        sweep_digest = cursor.fetchone()[0]
    if (hand_rows, hand_digest) != (first["created"], sweep_digest):
        raise SystemExit(
            f"rows differ: hand-written {hand_rows} {hand_digest}, sweep {first['created']} {sweep_digest}"
        )

    sweeps, reruns = worker["runs"], worker["reruns"]
    hands, hand_reruns = [], []
    for _ in range(args.repeat):
        truncate()
        hands.append(hand_written(today)[0])
        hand_reruns.append(hand_written(today)[0])

    sweep_s = statistics.median(run["seconds"] for run in sweeps)
    rerun_s = statistics.median(run["seconds"] for run in reruns)
    hand_s = statistics.median(hands)
    hand_rerun_s = statistics.median(hand_reruns)
    queries = max(run["queries"] for run in sweeps)
    rss = worker["peak_rss_mb"]
    report = {
        "open_issues": open_count,
        "overdue_issues": overdue_count,
        "notifications_written": first["created"],
        "sweep_queries": queries,
        "queries_per_1000_open_issues": round(queries / (open_count / 1000), 3),
        "queries_per_1000_overdue_issues": round(queries / (overdue_count / 1000), 3),
        "sweep_ms": round(sweep_s * 1000, 1),
        "sweep_cold_first_run_ms": round(worker["cold"]["seconds"] * 1000, 1),
        "hand_written_insert_select_ms": round(hand_s * 1000, 1),
        "ratio_sweep_to_hand_written": round(sweep_s / hand_s, 2),
        "rerun_ms": round(rerun_s * 1000, 1),
        "rerun_writes": max(run["created"] for run in reruns),
        "hand_written_rerun_ms": round(hand_rerun_s * 1000, 1),
        "worker_peak_rss_mb": round(rss, 1),
        "repeat": args.repeat,
    }
    goals = {
        "queries per 1,000 issues <= 1": report["queries_per_1000_open_issues"] <= 1,
        "time <= 3x hand-written": report["ratio_sweep_to_hand_written"] <= 3,
        "worker peak RSS <= 150 MB": report["worker_peak_rss_mb"] <= 150,
        "rerun writes nothing": report["rerun_writes"] == 0,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    for goal, met in goals.items():
        print(f"{'PASS' if met else 'FAIL'}  {goal}")


if __name__ == "__main__":
    main()
