"""The dashboard, the live monthly summary and the 红黑榜 read from the issue rollup, beside the
same figures scanned from the issues, at one data set; and the growth between two data sets.

    # one data set per database (generate_scale_data --scale 0.1, and S):
    DATABASE_URL=postgres://…/dudao_b01 .venv/bin/python bench/rollup_bench.py --label 0.1xS --out /tmp/b01.json
    DATABASE_URL=postgres://…/dudao_b1  .venv/bin/python bench/rollup_bench.py --label S --out /tmp/b1.json
    .venv/bin/python bench/rollup_bench.py --compare /tmp/b01.json /tmp/b1.json

Medians of --repeat warm runs in this process: pages through Django's test client (routing,
middleware, view, template), figures by calling reports.figures. "scan" is the same code with the
rollup switched off (reports.figures._rollup answering None), so both read the same definitions.
Before timing, the rollup's figures are checked equal to the scan's.
"""

from __future__ import annotations

import argparse
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
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from issues.models import Issue  # noqa: E402
from reports import figures  # noqa: E402
from rollups.models import IssueRollup  # noqa: E402

ROLLUP = figures._rollup


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
        with mock.patch.object(figures, "_rollup", lambda scope, **kwargs: None):
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

    def summary():
        figures_ = figures.monthly_figures(month=month, scope=city, today=today)
        figures_.pop("computed_at")
        return figures_

    def ranking():
        rollup = figures._rollup(city)
        if rollup is None:
            records = figures._department_records(figures._issues(city), period).records
        else:
            records = figures._department_records_from_rollup(rollup, figures._issues(city), period).records
        return figures._standings(records, period)

    for name, work in (("dashboard", dashboard), ("summary", summary), ("ranking", ranking)):
        assert work() == scanning(work)(), f"{name}: the rollup's figures differ from the scan's"
    print("checked: rollup figures = scanned figures (dashboard, live summary, ranking)\n")

    cases = [
        ("dashboard figures", dashboard),
        ("live summary figures", summary),
        ("ranking (红黑榜, live month)", ranking),
        ("dashboard page", page(client, reverse("reports:dashboard"))),
        ("live summary page", page(client, reverse("reports:summary", kwargs={"month": month}))),
    ]
    results = {}
    print(f"{'what':34} {'rollup ms':>10} {'scan ms':>9} {'queries':>8}")
    for name, work in cases:
        reset_queries()
        ours = median_ms(work, args.repeat)
        scan = median_ms(scanning(work), args.repeat)
        results[name] = {"rollup": ours, "scan": scan, "queries": queries_of(work)}
        print(f"{name:34} {ours:10.1f} {scan:9.1f} {results[name]['queries']:8d}")
    return {"label": args.label, "issues": issues, "rollup_rows": rows, "results": results}


def compare(paths: list[str]) -> None:
    runs = [json.loads(Path(p).read_text()) for p in paths]
    small, large = runs[0], runs[-1]
    header = " ".join(f"{r['label'] + ' (' + format(r['issues'], ',') + ')':>22}" for r in runs)
    print(f"{'what (rollup / scan, ms)':34} {header} {'ratio rollup':>13} {'ratio scan':>11}")
    for name in small["results"]:
        cells = " ".join(f"{r['results'][name]['rollup']:10.1f} / {r['results'][name]['scan']:9.1f}" for r in runs)
        ratio = large["results"][name]["rollup"] / small["results"][name]["rollup"]
        ratio_scan = large["results"][name]["scan"] / small["results"][name]["scan"]
        print(f"{name:34} {cells} {ratio:13.2f} {ratio_scan:11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--label", default="data set")
    parser.add_argument("--out", help="write the medians as JSON here")
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
