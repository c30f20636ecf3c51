"""The Excel 问题清单 import (intake/) of a 5,000-row file on PostgreSQL: time and peak memory of
the upload (stream the workbook, check every row, keep the file and the rows) and of the
confirmation (hand off every row through issues.services.issue_hand_off, its event and
notifications, and number one 交办函 per department), in one process, as a web worker runs them.

    .venv/bin/python bench/intake_bench.py                    # database dudao_bench_intake
    .venv/bin/python bench/intake_bench.py --rows 10000 --rebuild

Reports, per phase: wall time, queries, rows per second; the process's peak RSS after each phase
(resource.getrusage ru_maxrss, a high-water mark) and the Python heap's peak during the upload
measured again under tracemalloc (slower, so timed separately). The file is written with
openpyxl's write-only mode. Each run starts from a fresh batch: the issues of the previous run are
withdrawn first so the duplicate check does not refuse them. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEPARTMENTS = 50
PROJECTS = 20
CATEGORIES = ("干部作风", "营商环境", "要素保障", "审批手续", "其他")
SEVERITIES = ("一般", "较重", "严重")


def setup_django(database: str, media: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    from config.celery_app import app

    # Queued emails go to memory: their publishing is counted, nothing is delivered.
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = "memory://"


def ensure_database(database: str, *, rebuild: bool) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{database}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def build():
    """An inspector in a group of PROJECTS projects; DEPARTMENTS city departments, a liaison each."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from accounts.models import Department, User
    from accounts.roles import Role
    from projects.models import GroupMembership, Project, SupervisionGroup

    call_command("migrate", verbosity=0, interactive=False)
    inspector = User.objects.filter(username="bench_intake").first()
    if inspector is not None:
        return inspector
    inspector_group, _ = Group.objects.get_or_create(name=Role.INSPECTOR)
    liaison_group, _ = Group.objects.get_or_create(name=Role.LIAISON)
    enterprise = Department.objects.create(name="基准导入企业", kind=Department.Kind.ENTERPRISE)
    departments = [
        Department.objects.create(name=f"市导入测试局{n:02d}", kind=Department.Kind.CITY_DEPARTMENT)
        for n in range(DEPARTMENTS)
    ]
    for department in departments:
        liaison = User.objects.create(
            username=f"bench_liaison_{department.pk}", department=department, email="l@example.gov.cn"
        )
        liaison.groups.add(liaison_group)
    inspector = User.objects.create(username="bench_intake", full_name="导入督导", email="i@example.gov.cn")
    inspector.groups.add(inspector_group)
    group = SupervisionGroup.objects.create(name="导入基准督导组")
    GroupMembership.objects.create(group=group, user=inspector, role=GroupMembership.Role.MEMBER)
    for n in range(PROJECTS):
        group.projects.add(
            Project.objects.create(name=f"导入基准项目{n:02d}", county="昭阳区", enterprise=enterprise, investment=10)
        )
    return inspector


def write_file(path: Path, rows: int, run: str) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题清单")
    sheet.append(
        ["所属项目*", "问题标题", "问题描述*", "问题类别*", "严重程度", "责任单位*", "协办单位", "签收时限", "整改时限"]
    )
    for n in range(rows):
        sheet.append(
            [
                f"导入基准项目{n % PROJECTS:02d}",
                f"批量导入问题{n}",
                f"（{run}）第{n}号问题：企业反映审批材料多次被退回，未一次性告知需补正的全部材料，影响项目进场动工。",
                CATEGORIES[n % len(CATEGORIES)],
                SEVERITIES[n % len(SEVERITIES)],
                f"市导入测试局{n % DEPARTMENTS:02d}",
                f"市导入测试局{(n + 1) % DEPARTMENTS:02d}" if n % 3 == 0 else None,
                2,
                20 + n % 10,
            ]
        )
    workbook.save(path)


def upload_file(path: Path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(path.name, path.read_bytes())


class QueryCounter:
    """Counts the statements sent (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="dudao_bench_intake")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_database(args.database, rebuild=args.rebuild)
    media = tempfile.mkdtemp(prefix="intake-bench-")
    setup_django(args.database, media)

    from django.db import connection
    from django.utils import timezone

    from intake import services
    from issues.models import OPEN_STATUSES, Issue

    inspector = build()
    # Earlier runs' issues would be duplicates of this run's rows: withdraw them (status only).
    Issue.objects.filter(status__in=OPEN_STATUSES, handed_off_by=inspector).update(
        status="withdrawn", withdrawn_at=timezone.now()
    )
    run = timezone.now().strftime("%H%M%S")
    path = Path(media) / f"问题清单-{args.rows}.xlsx"
    write_file(path, args.rows, run)
    size_kb = path.stat().st_size / 1024
    baseline = rss_mb()

    tracemalloc.start()
    probe = services.import_batch_upload(actor=inspector, upload=upload_file(path))
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    services.import_batch_abandon(batch=probe, actor=inspector)

    upload_queries = QueryCounter()
    with connection.execute_wrapper(upload_queries):
        started = time.perf_counter()
        batch = services.import_batch_upload(actor=inspector, upload=upload_file(path))
        upload_seconds = time.perf_counter() - started
    upload_rss = rss_mb()
    refused = batch.rows.filter(is_valid=False).first()
    assert batch.valid_count == args.rows, (batch.valid_count, batch.error_count, refused and refused.errors)

    confirm_queries = QueryCounter()
    with connection.execute_wrapper(confirm_queries):
        started = time.perf_counter()
        services.import_batch_confirm(batch=batch, actor=inspector)
        confirm_seconds = time.perf_counter() - started
    confirm_rss = rss_mb()
    batch.refresh_from_db()
    assert batch.handed_off_count == args.rows

    print(f"file: {args.rows:,} rows, {size_kb:,.0f} KiB; {batch.letters.count()} 交办函")
    print(f"{'phase':<38}{'seconds':>9}{'rows/s':>9}{'queries':>9}")
    print(
        f"{'upload (stream, check, keep rows)':<38}{upload_seconds:>9.2f}{args.rows / upload_seconds:>9.0f}{upload_queries.count:>9,}"
    )
    print(
        f"{'confirm (hand off every row)':<38}{confirm_seconds:>9.2f}{args.rows / confirm_seconds:>9.0f}{confirm_queries.count:>9,}"
    )
    print(f"peak Python heap during upload (tracemalloc): {heap_peak / 1024 / 1024:.1f} MB")
    print(f"peak RSS: before {baseline:.1f} MB, after upload {upload_rss:.1f} MB, after confirm {confirm_rss:.1f} MB")


if __name__ == "__main__":
    main()
