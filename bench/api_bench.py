"""req/s of the API's issue list on gunicorn + PostgreSQL at data set S, beside two references
served by the same server in the same run:

  (a) hello     a hello-world Django JSON view (the floor: routing, middleware, WSGI)
  (b) naive     a straightforward DRF list of the same rows: ModelSerializer + select_related +
                PageNumberPagination (with its COUNT) + stock TokenAuthentication
  real          GET /api/v1/issues/ as a polling client meets it: values() rows, count without
                joins, cached token, the page cached under the committed data version
  uncached      the same endpoint on a second server with that page cache switched off
                (DUDAO_CACHE_BY_DATA_VERSION=false): what the first read after a change costs

All three: token auth of data set S's liaison (`scale_liaison`, department 01), 50 rows a page.
Goal: real >= 3x naive and >= 0.15 of hello.

    createdb dudao_h6_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao_h6_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py generate_scale_data
    .venv/bin/python bench/api_bench.py [--duration 10] [--connections 8] [--workers 2]

Load comes from wrk (Debian package `wrk`) on loopback; the server binds 127.0.0.1 only. Each
endpoint is checked (200, 50 rows, same ids for naive and real) before it is timed, warmed up
for 2 s, then measured for --duration seconds. Runs are bounded: gunicorn is stopped at the end.

Imported by gunicorn (`bench.api_bench:application`) this module is also the server: the project's
URLs plus the two reference views.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_USER = "scale_liaison"
PAGE_SIZE = 50


# --- the server side (imported by gunicorn) ------------------------------------------------


def _server_urls():
    from django.http import JsonResponse
    from django.urls import include, path
    from django.utils import timezone
    from rest_framework import generics, serializers
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication
    from rest_framework.pagination import PageNumberPagination

    from issues.lights import light_annotation
    from issues.models import Issue
    from issues.selectors import issue_list_visible_to

    def hello(request):
        return JsonResponse({"hello": "world"})

    class NaiveIssueSerializer(serializers.ModelSerializer):
        project_name = serializers.CharField(source="project.name")
        lead_department_name = serializers.CharField(source="lead_department.name")
        light = serializers.CharField(source="light_code")
        is_overdue = serializers.SerializerMethodField()

        class Meta:
            model = Issue
            fields = [
                "id",
                "code",
                "title",
                "project",
                "project_name",
                "category",
                "severity",
                "status",
                "lead_department",
                "lead_department_name",
                "handed_off_at",
                "sign_deadline",
                "rectification_deadline",
                "progress_percent",
                "version",
                "light",
                "is_overdue",
            ]

        def get_is_overdue(self, issue) -> bool:
            return issue.light_code == "red"

    class NaivePagination(PageNumberPagination):
        page_size = PAGE_SIZE

    class NaiveIssueList(generics.ListAPIView):
        authentication_classes = [TokenAuthentication, SessionAuthentication]
        serializer_class = NaiveIssueSerializer
        pagination_class = NaivePagination
        filter_backends = []

        def get_queryset(self):
            return (
                issue_list_visible_to(user=self.request.user)
                .select_related("project", "lead_department")
                .annotate(light_code=light_annotation(today=timezone.localdate()))
            )

    return [
        path("bench/hello/", hello),
        path("bench/naive-issues/", NaiveIssueList.as_view()),
        path("", include("config.urls")),
    ]


if __name__ != "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.conf import settings

    urlpatterns = _server_urls()
    settings.ROOT_URLCONF = __name__  # this module's urlpatterns: the project's plus the references


# --- the driver ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _token() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from issues.models import Issue

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        sys.exit(f"user {BENCH_USER!r} not found: load data set S first (manage.py generate_scale_data)")
    print(f"data: {Issue.objects.count():,} issues in the database; {BENCH_USER} of {user.department}")
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        return json.loads(response.read())


def _wrk(url: str, token: str, *, seconds: int, connections: int, threads: int) -> float:
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Token {token}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{result.stdout}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to the PostgreSQL database holding data set S")
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    token = _token()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-not-secret"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_PROXY_COUNT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
    }

    def measure(url: str) -> float:
        _wrk(url, token, seconds=2, connections=args.connections, threads=args.threads)  # warm-up
        return _wrk(url, token, seconds=args.duration, connections=args.connections, threads=args.threads)

    rates = {}
    with _server(env, port, args.workers):
        endpoints = {
            "hello": f"{base}/bench/hello/",
            "naive": f"{base}/bench/naive-issues/",
            "real": f"{base}/api/v1/issues/?page_size={PAGE_SIZE}",
        }
        naive, real = _get(endpoints["naive"], token), _get(endpoints["real"], token)
        assert len(real["results"]) == PAGE_SIZE == len(naive["results"]), "expected 50 rows on both"
        assert [r["id"] for r in real["results"]] == [r["id"] for r in naive["results"]], "different rows"
        assert real["count"] == naive["count"]
        print(f"list: {real['count']:,} issues visible to {BENCH_USER}, {PAGE_SIZE} a page")
        print(
            f"load: wrk -t{args.threads} -c{args.connections}, {args.duration}s each; "
            f"gunicorn --workers {args.workers}; {os.cpu_count()} CPUs\n"
        )
        for name, url in endpoints.items():
            rates[name] = measure(url)
            print(f"  {name:8s} {rates[name]:9.1f} req/s")
    # The same list with the data-version cache switched off: every request counts and reads the
    # rows, as the first request after any committed change does.
    with _server({**env, "DUDAO_CACHE_BY_DATA_VERSION": "false"}, port, args.workers):
        rates["uncached"] = measure(endpoints["real"])
        print(f"  {'uncached':8s} {rates['uncached']:9.1f} req/s   (real, cache off: every request queries)")
    print()
    print(f"real / naive     = {rates['real'] / rates['naive']:.2f}x   (goal >= 3)")
    print(f"real / hello     = {rates['real'] / rates['hello']:.3f}    (goal >= 0.15)")
    print(f"uncached / naive = {rates['uncached'] / rates['naive']:.2f}x")
    print(f"uncached / hello = {rates['uncached'] / rates['hello']:.3f}")
    print(f"naive / hello    = {rates['naive'] / rates['hello']:.3f}")


@contextlib.contextmanager
def _server(env: dict, port: int, workers: int):
    """gunicorn serving this module, up and answering before it yields, always stopped after."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bench.api_bench:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
