"""Load run: N logged-in users of mixed roles browse Dudao for a fixed time against gunicorn +
PostgreSQL on loopback, with production settings. Bounded: a fixed number of threads, think time
between requests, a hard end. Reports throughput, errors and latency percentiles.

    .venv/bin/python bench/load_run.py                      # 50 users, 120 s, database dudao_bench
    .venv/bin/python bench/load_run.py --users 10 --duration 20

It (re)creates the database named by --database on the local PostgreSQL (trust auth, user
postgres), migrates it, loads the demo scenario plus bench users, collects static files, starts
gunicorn on a free loopback port, runs the users, stops gunicorn, prints a table and writes
bench/results/load_run-<time>.json. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "pass-Dudao-2026"
# Role mix of the 50 users: leaders read dashboards, inspectors projects and issues, liaisons
# their department's issues.
ROLE_MIX = (("leader", 0.16), ("inspector", 0.44), ("liaison", 0.40))


# --- preparation (runs in a subprocess with Django set up) ---------------------------------


def prepare_data(users: int) -> dict:
    """Bench users cloned from the demo roles, and for each the ids their pages may open."""
    import django

    django.setup()
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role
    from dispatch.selectors import meeting_list_visible_to
    from issues.selectors import issue_list_visible_to
    from projects.models import GroupMembership
    from projects.selectors import project_list_visible_to

    templates = {
        "leader": [User.objects.get(username="leader")],
        "inspector": [User.objects.get(username=name) for name in ("inspector_zhang", "lead_li", "inspector_wang")],
        "liaison": list(User.objects.filter(groups__name=Role.LIAISON).order_by("username")),
    }
    plan = {}
    counts = {role: round(users * share) for role, share in ROLE_MIX}
    counts["liaison"] = users - counts["leader"] - counts["inspector"]
    for role, count in counts.items():
        for number in range(count):
            template = templates[role][number % len(templates[role])]
            username = f"bench_{role}_{number:02d}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "full_name": f"压测{template.full_name}",
                    "department": template.department,
                    "email": f"{username}@example.gov.cn",
                },
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
                user.groups.set(Group.objects.filter(user=template))
                for membership in GroupMembership.objects.filter(user=template):
                    GroupMembership.objects.get_or_create(
                        group=membership.group, user=user, defaults={"role": GroupMembership.Role.MEMBER}
                    )
            user = User.objects.get(pk=user.pk)
            plan[username] = {
                "role": role,
                "issues": list(issue_list_visible_to(user=user).values_list("pk", flat=True)[:30]),
                "projects": list(project_list_visible_to(user=user).values_list("pk", flat=True)[:10]),
                "meetings": list(meeting_list_visible_to(user=user).values_list("pk", flat=True)[:10])
                if role != "liaison"
                else [],
            }
    return plan


# --- the virtual users ------------------------------------------------------------------------


@dataclass
class Sample:
    name: str
    status: int
    seconds: float
    error: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Browser:
    """One user's cookies over plain http.client (Secure cookies are kept: this is loopback)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = {"Host": "127.0.0.1", "Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, content
        finally:
            connection.close()

    def login(self, username: str) -> int:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            return status or 599
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()},
            headers={"Referer": f"http://127.0.0.1:{self.port}/accounts/login/"},
        )
        return status


def pages_for(role: str, ids: dict, month: str) -> list[tuple[str, str, int]]:
    """(name, path, weight) a user of this role opens."""

    def pick(kind: str, template: str) -> list[tuple[str, str]]:
        return [(template.format(pk), kind) for pk in ids[kind]] if ids[kind] else []

    common = [("home", "/", 3), ("issue ledger", "/issues/", 4), ("notifications", "/notifications/", 1)]
    issue_pages = [("issue detail", path, 1) for path, _ in pick("issues", "/issues/{}/")]
    if role == "leader":
        return (
            common
            + issue_pages
            + [
                ("dashboard", "/dashboard/", 4),
                (f"summary {month}", f"/summaries/{month}/", 2),
                ("meetings", "/meetings/", 1),
                ("projects", "/projects/", 2),
                ("api issues", "/api/v1/issues/", 1),
            ]
            + [("meeting detail", path, 1) for path, _ in pick("meetings", "/meetings/{}/")]
        )
    if role == "inspector":
        return (
            common
            + issue_pages
            + [
                ("projects", "/projects/", 3),
                ("meetings", "/meetings/", 1),
            ]
            + [("project detail", path, 1) for path, _ in pick("projects", "/projects/{}/")]
        )
    return common + issue_pages + [("issue ledger, open", "/issues/?status=in_progress", 1)]


def run_user(
    username: str, plan: dict, port: int, stop_at: float, results: Results, month: str, think: tuple[float, float]
) -> None:
    browser = Browser(port)
    started = time.perf_counter()
    try:
        status = browser.login(username)
        results.add(Sample("login", status, time.perf_counter() - started, "" if status == 302 else f"login {status}"))
    except Exception as error:  # a refused connection is an error of the run, not a crash of it
        results.add(Sample("login", 599, time.perf_counter() - started, repr(error)))
        return
    pages = pages_for(plan["role"], plan, month)
    names = [(name, path) for name, path, weight in pages for _ in range(weight)]
    rng = random.Random(username)
    while time.monotonic() < stop_at:
        name, path = rng.choice(names)
        started = time.perf_counter()
        try:
            status, _ = browser.request("GET", path)
            error = "" if status == 200 else f"HTTP {status}"
        except Exception as exc:
            status, error = 599, repr(exc)
        results.add(
            Sample(
                name.split(" ")[0] if name.startswith("summary") else name, status, time.perf_counter() - started, error
            )
        )
        time.sleep(rng.uniform(*think))  # reading the page before the next click


# --- orchestration ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _env(database: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain http on loopback
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
        "DUDAO_DEMO_DATA_ALLOWED": "true",  # a scratch database the bench creates and drops
        # the bench's users poll harder than people do; the throttles are not what it measures
        "DUDAO_API_RATE_USER": "100000/minute",
        "DUDAO_LOGIN_FAILURES_PER_ADDRESS": "100000",
        "PYTHONPATH": str(ROOT),
    }


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load after everyone logged in")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--database", default="dudao_bench")
    parser.add_argument("--think", default="2-6", help="seconds between a user's clicks, min-max")
    parser.add_argument("--ramp", type=float, default=20, help="seconds over which the users log in")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.prepare_only:  # child process: Django set up with the bench environment
        print(json.dumps(prepare_data(args.users)))
        return 0

    env = _env(args.database)
    print(f"preparing database {args.database} …", flush=True)
    for sql in (f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)", f"CREATE DATABASE {args.database}"):
        _run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], env)
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    _run([PYTHON, "manage.py", "load_demo"], env)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    plan_json = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--prepare-only", "--users", str(args.users)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    plan = json.loads(plan_json.strip().splitlines()[-1])

    port = _free_port()
    log_dir = ROOT / "bench" / "results"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    server_log = (log_dir / f"load_run-{stamp}-gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = Browser(port).request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not come up; see " + server_log.name)

        print(
            f"{args.users} users × {args.duration}s against gunicorn ({args.workers} workers) on :{port} …", flush=True
        )
        month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        results = Results()
        load_before = os.getloadavg()[0]  # other work on the machine skews the numbers: record it
        stop_at = time.monotonic() + args.duration
        think = tuple(float(x) for x in args.think.split("-"))
        threads = [
            threading.Thread(target=run_user, args=(name, user_plan, port, stop_at, results, month, think), daemon=True)
            for name, user_plan in plan.items()
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
            time.sleep(args.ramp / len(threads))  # people arrive over the first minutes, not at once
        for thread in threads:
            thread.join(timeout=args.duration + 60)
        elapsed = time.monotonic() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        server_log.close()

    samples = results.samples
    errors = [s for s in samples if s.error]
    by_name: dict[str, list[float]] = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample.seconds)
    overall = [s.seconds for s in samples]
    # After everyone has logged in (PBKDF2 hashing of 50 logins is the heaviest minute of the day).
    steady = [s.seconds for s in samples if s.at > began + args.ramp + 10 and s.name != "login"]
    report = {
        "users": args.users,
        "duration_s": args.duration,
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
        "think_s": args.think,
        "ramp_s": args.ramp,
        "load_average_before": round(load_before, 1),
        "requests": len(samples),
        "errors": len(errors),
        "throughput_rps": round(len(samples) / elapsed, 1),
        "p50_ms": round(_percentile(overall, 50) * 1000, 1),
        "p95_ms": round(_percentile(overall, 95) * 1000, 1),
        "p99_ms": round(_percentile(overall, 99) * 1000, 1),
        "max_ms": round(max(overall, default=0) * 1000, 1),
        "steady_requests": len(steady),
        "steady_p50_ms": round(_percentile(steady, 50) * 1000, 1),
        "steady_p95_ms": round(_percentile(steady, 95) * 1000, 1),
        "pages": {
            name: {
                "count": len(values),
                "p50_ms": round(_percentile(values, 50) * 1000, 1),
                "p95_ms": round(_percentile(values, 95) * 1000, 1),
            }
            for name, values in sorted(by_name.items())
        },
        "first_errors": [f"{s.name}: {s.error}" for s in errors[:20]],
    }
    (log_dir / f"load_run-{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\n{'page':<22}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}")
    for name, row in report["pages"].items():
        print(f"{name:<22}{row['count']:>8}{row['p50_ms']:>10}{row['p95_ms']:>10}")
    print(
        f"\nrequests {report['requests']}, errors {report['errors']}, {report['throughput_rps']} req/s, "
        f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, max {report['max_ms']} ms"
    )
    print(
        f"after the logins (from {args.ramp + 10:.0f} s on): {report['steady_requests']} requests, "
        f"p50 {report['steady_p50_ms']} ms, p95 {report['steady_p95_ms']} ms; "
        f"machine load average at the start {report['load_average_before']}"
    )
    for line in report["first_errors"]:
        print("  error:", line)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
