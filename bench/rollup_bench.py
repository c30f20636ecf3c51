"""The dashboard, the live monthly summary and the 红黑榜 read from the issue rollup, at one data set,
and the growth between data sets (0.1 × S, S, 3 × S).

    # one data set per database (copies of dudao_s01, dudao_s1, dudao_s3, migrated):
    DATABASE_URL=postgres://…/dudao_b01 .venv/bin/python bench/rollup_bench.py --label 0.1xS --out /tmp/b01.json
    DATABASE_URL=postgres://…/dudao_b1  .venv/bin/python bench/rollup_bench.py --label S --out /tmp/b1.json
    DATABASE_URL=postgres://…/dudao_b3  .venv/bin/python bench/rollup_bench.py --label 3xS --out /tmp/b3.json
    .venv/bin/python bench/rollup_bench.py --compare /tmp/b01.json /tmp/b1.json /tmp/b3.json

Medians of --repeat warm runs in this process: pages through Django's test client (routing,
middleware, view, template), figures by calling reports.figures. Before timing, the rollup's
figures are checked equal to the same code scanning the issues and the clues
(reports.figures._rollup and _clue_rollup answering None), on today and on days later in the
month (the day turning). --scan also times the scan.
The rollup table is vacuumed and analysed first (a fresh migration's recount leaves dead rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from clues.models import ClueRollup  # noqa: E402
from issues.models import Issue  # noqa: E402
from reports import figures  # noqa: E402
from reports.views import SUMMARY_DECISION_ROWS, SUMMARY_PROJECT_ROWS  # noqa: E402
from rollups.models import IssueRollup  # noqa: E402


def median_ms(work, repeat: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def queries_of(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


def scanning(work):
    def run():
        with (
            mock.patch.object(figures, "_rollup", lambda scope, **kwargs: None),
            mock.patch.object(figures, "_clue_rollup", lambda project_q, month: None),
        ):
            return work()

    return run


def page(client: Client, url: str):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return get


def measure(args) -> dict:
    if connection.vendor != "postgresql":
        sys.exit("the benchmark runs on PostgreSQL: set DATABASE_URL")
    settings.DEBUG = False
    settings.DUDAO_CACHE_BY_DATA_VERSION = True  # as in production: the campaign figures are cached
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    issues = Issue.objects.count()
    rows = IssueRollup.objects.count()
    print(f"{args.label}: {issues:,} issues, {rows:,} rollup rows")
    leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"full_name": "测评领导"})
    leader.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    leader = User.objects.get(pk=leader.pk)
    client = Client()
    client.force_login(leader)
    today = timezone.localdate()
    month = figures.current_month()
    scope = figures.dashboard_scope_for(user=leader)
    city = figures.ReportScope(key="all", label="全市")
    period = figures._period(month, today=today)

    def dashboard():
        return figures.dashboard_figures(scope=scope, today=today)

    def page_figures(day):
        # As the page reads them: the first rows of the projects' and the decisions' tables only
        # (the exports read all).
        return figures.monthly_figures(
            month=month, scope=city, today=day, project_rows=SUMMARY_PROJECT_ROWS, decision_rows=SUMMARY_DECISION_ROWS
        )

    def summary():
        figures_ = page_figures(today)
        figures_.pop("computed_at")
        return figures_

    def ranking():
        rollup = figures._rollup(city)
        if rollup is None:
            records = figures._department_records(figures._issues(city), period).records
        else:
            read = figures._city_read(today)
            records = figures._department_records_from_city(read, figures._issues(city), period).records
        return figures._standings(records, period)

    with connection.cursor() as cursor:
        for table in (IssueRollup._meta.db_table, ClueRollup._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    for later in (0, 6, 13) if args.check else ():
        day = today + dt.timedelta(days=later)
        if figures.Month.of(day) != month:
            continue
        checks = (
            ("dashboard", lambda day=day: figures.dashboard_figures(scope=scope, today=day)),
            (
                "summary",
                lambda day=day: {
                    k: v
                    for k, v in figures.monthly_figures(month=month, scope=city, today=day).items()
                    if k != "computed_at"
                },
            ),
        )
        for name, work in checks:
            assert work() == scanning(work)(), f"{name} on {day}: the rollup's figures differ from the scan's"
        cut = page_figures(day)
        whole = figures.monthly_figures(month=month, scope=city, today=day)
        assert cut["projects"] == whole["projects"][:SUMMARY_PROJECT_ROWS], f"the page's projects on {day}"
        assert cut["decisions"] == whole["decisions"][:SUMMARY_DECISION_ROWS], f"the page's decisions on {day}"
        assert cut["decisions_total"] == len(whole["decisions"]), f"the decisions counted on {day}"
    if args.check:
        assert ranking() == scanning(ranking)(), "ranking: the rollup's figures differ from the scan's"
    print(
        "checked: rollup figures = scanned figures (dashboard, live summary: today and later this month; ranking);"
        " the page's projects and decisions = the whole tables' first rows\n"
    )

    cases = [
        ("dashboard figures", dashboard),
        ("dashboard page", page(client, reverse("reports:dashboard"))),
        ("live summary figures", summary),
        ("live summary page", page(client, reverse("reports:summary", kwargs={"month": month}))),
        # What the first reader after a clue change pays: the campaign counted again.
        ("live summary figures, clues changed", lambda: (cache.clear(), summary())),
        ("ranking (红黑榜, live month)", ranking),
    ]
    results = {}
    print(f"{'what':34} {'rollup ms':>10} {'scan ms':>9} {'queries':>8}")
    for name, work in cases:
        reset_queries()
        ours = median_ms(work, args.repeat)
        scan = median_ms(scanning(work), args.repeat) if args.scan else None
        results[name] = {"rollup": ours, "scan": scan, "queries": queries_of(work)}
        print(f"{name:34} {ours:10.1f} {scan if scan is not None else float('nan'):9.1f} {results[name]['queries']:8d}")
    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return {"label": args.label, "issues": issues, "rollup_rows": rows, "load": load[0], "results": results}


def compare(paths: list[str]) -> None:
    """The table of --out files, smallest data set first. Several files of one label (rounds run
    in turn on the data sets, so that the machine's changing load falls on each alike) give the
    median of their medians."""
    runs: dict[str, list[dict]] = {}
    for path in paths:
        run = json.loads(Path(path).read_text())
        runs.setdefault(run["label"], []).append(run)
    labels = list(runs)
    small, large = labels[0], labels[-1]

    def median_of(label: str, name: str) -> float:
        return statistics.median(r["results"][name]["rollup"] for r in runs[label])

    header = " ".join(f"{label + ' (' + format(runs[label][0]['issues'], ',') + ')':>18}" for label in labels)
    print(f"{'what (median ms)':34} {header} {'ratio ' + large + '/' + small:>14}")
    for name in runs[small][0]["results"]:
        cells = " ".join(f"{median_of(label, name):18.1f}" for label in labels)
        print(f"{name:34} {cells} {median_of(large, name) / median_of(small, name):14.2f}")
    loads = " ".join(
        f"{'/'.join(format(r.get('load', float('nan')), '.1f') for r in runs[label]):>18}" for label in labels
    )
    print(f"{'load average (1 min), each round':34} {loads}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--label", default="data set")
    parser.add_argument("--out", help="write the medians as JSON here")
    parser.add_argument("--scan", action="store_true", help="time the issue scans too (slow at 3 × S)")
    parser.add_argument(
        "--no-check", dest="check", action="store_false", help="skip the rollup = scan check (a later round)"
    )
    parser.add_argument("--compare", nargs="+", help="print the table of earlier --out files, smallest first")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare)
        return
    result = measure(args)
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
