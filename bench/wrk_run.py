"""wrk load run: 32 connections on gunicorn as docker-compose runs it, against a copy of a data
set, one page at a time — the leader's dashboard, the ledger, an issue page and the API list —
while a workflow transition commits every second in the background (提交核验 and 退回重办 in
turn, issues.services), so the ledger's and the API's caches keep going back to their first read after a
change. Prints req/s, p50, p99 and errors per page and writes bench/results/wrk_run-<time>.json.

    createdb -h 127.0.0.1 -U postgres -T dudao_s1 dudao_scale_wrk    # a copy: the run writes to it
    .venv/bin/python bench/wrk_run.py --database dudao_scale_wrk
    .venv/bin/python bench/wrk_run.py --database dudao_scale_wrk --duration 20 --pages dashboard api

The database must hold a data set of `generate_scale_data` (its scale_liaison submits the issues).
It is migrated, a bench leader (role 领导, no second factor) gets a session and an API token,
static files are collected, gunicorn starts with docker-compose's settings (bin/docker-entrypoint:
GUNICORN_WORKERS=3 sync workers, 60 s timeout; production settings, Redis as cache on a database
number of its own), each page gets a short warm-up and then `wrk -c 32` for --duration seconds
with bench/wrk_session.lua. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_run import _env, _free_port, _run  # noqa: E402 - the shared start-up of bench/load_run.py

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = Path(__file__).resolve().parent / "wrk_session.lua"
PAGES = ("dashboard", "ledger", "issue", "api")


# --- preparation and the background transitions (subprocesses with Django set up) --------------


def prepare() -> dict:
    """The bench leader's session cookie and token, and the issue pages to walk."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.roles import Role
    from issues.models import Issue

    leader, _created = User.objects.get_or_create(username="bench_wrk_leader", defaults={"full_name": "压测领导"})
    leader.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    client = Client()
    client.force_login(User.objects.get(pk=leader.pk))
    token, _created = Token.objects.get_or_create(user=leader)
    # Issues of every age, spread over the table (the newest pages are the ones most read, but an
    # issue page's cost is its events and updates: every issue has about five updates).
    last = Issue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    issues = list(Issue.objects.filter(pk__in=range(1, last + 1, max(last // 50, 1))).values_list("pk", flat=True))
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "token": token.key,
        "issues": issues[:50],
        "count": last,
    }


def transitions(every: float) -> None:
    """Every `every` seconds one workflow transition commits, until SIGTERM; then a JSON summary
    line. The scale data's liaison submits one of its department's issues in progress (提交核验:
    status, progress update, event, notifications), and the next second an inspector of the
    issue's group returns it (退回重办), so the run never runs out of issues to move."""
    import django

    django.setup()
    from accounts.models import User
    from issues.models import Issue, IssueStatus
    from issues.services import issue_return, issue_submit

    liaison = User.objects.get(username="scale_liaison")
    queue = Issue.objects.filter(lead_department_id=liaison.department_id, status=IssueStatus.IN_PROGRESS).order_by(
        "-pk"
    )
    done, failed, seconds = 0, [], []
    stop = False
    # A copy used before may have none in progress left: start by returning a submitted one.
    submitted: Issue | None = (
        None
        if queue.exists()
        else Issue.objects.filter(lead_department_id=liaison.department_id, status=IssueStatus.SUBMITTED).first()
    )

    def halt(*_args):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, halt)
    next_at = time.monotonic()
    while not stop:
        started = time.perf_counter()
        try:
            if submitted is None:
                issue = queue.first()
                if issue is None:
                    failed.append("no issue in progress left")
                    break
                issue_submit(issue=issue, actor=liaison, note="压测：整改完成，提交核验。")
                submitted = issue
            else:
                issue = Issue.objects.get(pk=submitted.pk)
                inspector = User.objects.filter(group_memberships__group__projects=issue.project_id).first()
                submitted = None
                issue_return(issue=issue, actor=inspector, reason="压测：佐证材料不全，退回重办。")
            done += 1
        except Exception as error:  # a refusal is counted, the run goes on
            failed.append(repr(error)[:200])
        seconds.append(time.perf_counter() - started)
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))
    seconds.sort()
    print(
        json.dumps(
            {
                "transitions": done,
                "failed": len(failed),
                "first_failures": failed[:5],
                "p50_ms": round(seconds[len(seconds) // 2] * 1000, 1) if seconds else None,
                "max_ms": round(seconds[-1] * 1000, 1) if seconds else None,
            }
        ),
        flush=True,
    )


# --- the run -----------------------------------------------------------------------------------


def _get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wrk(port: int, *, paths: list[str], headers: dict, connections: int, threads: int, duration: int) -> dict:
    env = {
        **os.environ,
        "WRK_PATHS": " ".join(paths),
        "WRK_COOKIE": headers.get("Cookie", ""),
        "WRK_TOKEN": headers.get("Authorization", "").removeprefix("Token "),
    }
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "70s",  # past gunicorn's 60 s: a killed worker shows as an error, not as a wrk timeout
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}{paths[0]}",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a copy of a generate_scale_data set (it is written to)")
    parser.add_argument("--label", default="", help="what the data set is, for the report (e.g. S)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (it shares the machine)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (docker-compose: 3)")
    parser.add_argument("--transition-every", type=float, default=1.0, help="seconds; 0: none")
    parser.add_argument("--redis-db", type=int, default=11, help="Redis database number for the cache")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--transitions-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_only:
        print(json.dumps(prepare()))
        return 0
    if args.transitions_only:
        transitions(args.transition_every)
        return 0

    env = _env(args.database)
    env.update(
        BENCH_REDIS_URL="",
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        DUDAO_DEMO_DATA_ALLOWED="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
    )
    subprocess.run(["redis-cli", "-n", str(args.redis_db), "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)
    print(f"migrating {args.database}, collecting static files …", flush=True)
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    me = str(Path(__file__).resolve())
    plan_out = subprocess.run(
        [PYTHON, me, "--database", args.database, "--prepare-only"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    plan = json.loads(plan_out.strip().splitlines()[-1])
    cookie, api = {"Cookie": plan["cookie"]}, {"Authorization": f"Token {plan['token']}"}
    targets = {
        "dashboard": (["/dashboard/"], cookie),
        "ledger": (["/issues/"], cookie),
        "issue": ([f"/issues/{pk}/" for pk in plan["issues"]], cookie),
        "api": (["/api/v1/issues/"], api),
    }

    port = _free_port()
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    server_log = (results_dir / f"wrk_run-{stamp}-gunicorn.log").open("w")
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(args.workers), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    mover = None
    report: dict = {
        "database": args.database,
        "label": args.label,
        "issues": plan["count"],
        "connections": args.connections,
        "wrk_threads": args.threads,
        "gunicorn_workers": args.workers,
        "duration_s": args.duration,
        "transition_every_s": args.transition_every,
        "cpus": os.cpu_count(),
        "pages": {},
    }
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(port, "/healthz", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("gunicorn did not come up; see " + server_log.name)
        for name in args.pages:  # each page answers 200 to the bench user (not a login redirect)
            paths, headers = targets[name]
            for path in paths[:3]:
                status, _body = _get(port, path, headers)
                if status != 200:
                    raise SystemExit(f"{name}: GET {path} answered {status}")
        if args.transition_every > 0:
            mover = subprocess.Popen(
                [PYTHON, me, "--database", args.database, "--transitions-only"]
                + ["--transition-every", str(args.transition_every)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        print(
            f"wrk -c{args.connections} × {args.duration} s per page, gunicorn {args.workers} workers on :{port}, "
            f"a transition every {args.transition_every} s …",
            flush=True,
        )
        for name in args.pages:
            paths, headers = targets[name]
            for path in paths[:5]:  # warm: each worker's first request imports and connects
                _get(port, path, headers)
            load_before = os.getloadavg()
            result = _wrk(
                port,
                paths=paths,
                headers=headers,
                connections=args.connections,
                threads=args.threads,
                duration=args.duration,
            )
            errors = sum(result["errors"].values())
            report["pages"][name] = {
                "path": paths[0] if len(paths) == 1 else f"{len(paths)} issue pages",
                "requests": result["requests"],
                "rps": round(result["requests"] / (result["duration_us"] / 1e6), 1),
                "p50_ms": round(result["p50_us"] / 1000, 1),
                "p90_ms": round(result["p90_us"] / 1000, 1),
                "p99_ms": round(result["p99_us"] / 1000, 1),
                "max_ms": round(result["max_us"] / 1000, 1),
                "errors": errors,
                "error_kinds": {kind: n for kind, n in result["errors"].items() if n},
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            }
            print(f"  {name}: {report['pages'][name]['rps']} req/s", flush=True)
    finally:
        if mover is not None:
            mover.send_signal(signal.SIGTERM)
            try:
                out, _err = mover.communicate(timeout=60)
                report["transitions"] = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
            except (subprocess.TimeoutExpired, ValueError):
                mover.kill()
                report["transitions"] = None
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        server_log.close()

    (results_dir / f"wrk_run-{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\n{'page':<11}{'req/s':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}  load avg")
    for name, row in report["pages"].items():
        print(
            f"{name:<11}{row['rps']:>8}{row['p50_ms']:>9}{row['p90_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}"
            f"{row['errors']:>8}  {row['load_average_before'][0]} → {row['load_average_after'][0]}"
        )
    moved = report.get("transitions")
    if moved:
        print(
            f"transitions: {moved['transitions']} done, {moved['failed']} failed, "
            f"p50 {moved['p50_ms']} ms, max {moved['max_ms']} ms"
        )
    print(f"results: bench/results/wrk_run-{stamp}.json")
    return 1 if any(row["errors"] for row in report["pages"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
