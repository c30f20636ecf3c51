"""The ledger's page 1 and the API's issue list: warm (cached) read, first read after a real
change, and their ratio (goal: first < 2 × warm at every scale), plus `?q=<issue code>`.

    createdb -h 127.0.0.1 -U postgres -T dudao_s1 dudao_mine_s1   # or a generate_scale_data run
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao_mine_s1
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/ledger_bench.py [--repeat 9]

Measured in this process through Django's test client (routing, middleware, view, template or
JSON): medians of --repeat. "warm": the same address again, nothing committed in between (the
API's page comes from its cache). "after a change": before each timed read, a progress note is
reported on an open issue through issues.services (a real committed write: the issue row, its
events, the data versions), untimed. Users: a leader (whole city), the data set's first inspector
and its liaison (department 01).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from issues import services  # noqa: E402
from issues.models import Issue, IssueStatus  # noqa: E402

LEDGER = reverse("issues:ledger")
API = "/api/v1/issues/"


def median_ms(work, repeat: int, setup=None) -> float:
    work()  # warm-up
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()  # untimed
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def get(client: Client, url: str, **params):
    def work():
        response = client.get(url, params, HTTP_ACCEPT="application/json" if url == API else "text/html")
        assert response.status_code == 200, (url, params, response.status_code)

    return work


class Changes:
    """A progress note on one of the liaison's open issues, committed, per call."""

    def __init__(self, liaison: User):
        self.liaison = liaison
        self.issues = list(
            Issue.objects.filter(lead_department_id=liaison.department_id, status=IssueStatus.IN_PROGRESS)
            .order_by("-id")
            .values_list("pk", flat=True)[:50]
        )
        self.n = 0

    def __call__(self) -> None:
        self.n += 1
        issue = Issue.objects.get(pk=self.issues[self.n % len(self.issues)])
        services.issue_progress_add(issue=issue, actor=self.liaison, text=f"测评进展 {self.n}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the benchmark runs on PostgreSQL: set DATABASE_URL")
    settings.DEBUG = False
    settings.DUDAO_CACHE_BY_DATA_VERSION = True  # as in production
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    total = Issue.objects.count()
    print(f"data: {total:,} issues; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"full_name": "测评领导"})
    leader.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    users = {
        "leader": User.objects.get(pk=leader.pk),
        "inspector": User.objects.get(username="scale_inspector001"),
        "liaison": User.objects.get(username="scale_liaison"),
    }
    change = Changes(users["liaison"])
    middle = Issue.objects.order_by("-id").values_list("pk", "code")[total // 2]
    whole = Issue.objects.filter(code__startswith="DD").values_list("code", flat=True).first()
    if whole is None:
        # generate_scale_data numbers its issues S0000001…, not as issue_hand_off does (DD2026-00012):
        # give one issue in the middle a code of that form, so the whole-code lookup is measured.
        whole = "DD2026-90001"
        Issue.objects.filter(pk=middle[0]).update(code=whole)
        print(f"(issue {middle[1]} renumbered {whole} for the whole-code search)")
    print(f"{'user':10} {'read':34} {'warm ms':>8} {'first ms':>9} {'first/warm':>10} {'queries':>8}")
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        for label, url, params in (
            ("ledger page 1", LEDGER, {}),
            ("ledger page 1, status=open", LEDGER, {"status": "open"}),
            ("ledger page 1, light=red", LEDGER, {"light": "red"}),
            ("API list", API, {}),
            ("API list, status=open", API, {"status": "open"}),
            ("ledger ?q=<whole issue code DD…>", LEDGER, {"q": whole}),
            ("API ?q=<whole issue code DD…>", API, {"q": whole}),
        ):
            work = get(client, url, **params)
            warm = median_ms(work, args.repeat)
            first = median_ms(work, args.repeat, setup=change)
            change()
            with CaptureQueriesContext(connection) as queries:
                work()
            print(
                f"{name:10} {label:34} {warm:8.1f} {first:9.1f} {first / warm:10.2f} {len(queries.captured_queries):8}"
            )


if __name__ == "__main__":
    main()
