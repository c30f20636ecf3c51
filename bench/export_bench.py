"""Background exports at a data set from `generate_scale_data`: wall time and peak RSS of a real
Celery worker building each export a leader can ask for (every issue of the city in the ledger,
the live month's 通报 in Word, the month's summary in Excel).

    createdb dudao_bench01
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao_bench01 REDIS_URL=redis://127.0.0.1:6379/5
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py generate_scale_data --scale 0.1
    .venv/bin/python bench/export_bench.py [--kinds ledger_xlsx summary_docx summary_xlsx]

For each kind a fresh worker process starts (solo pool, development settings, the same database
and Redis), so its peak resident set (VmHWM from /proc) is that one export's: the figure printed
is the peak after the job, beside the worker's peak when idle after start-up. The time is the
job's own (started_at → finished_at, written by the worker) and the rows are the job's rows_done.
Linear growth: run it at two scales and compare ms per row and the RSS above idle.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from issues.models import Issue  # noqa: E402
from reports.export_jobs import export_job_create  # noqa: E402
from reports.models import ExportJob  # noqa: E402


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _start_worker(media: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DUDAO_MEDIA_ROOT": media, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"dudao-export-bench-{os.getpid()}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    # --loglevel=WARNING prints no "ready."; the celery banner's last line is the queue list.
    while "[queues]" not in log.read_text(errors="replace") or time.monotonic() - started < 3:
        if process.poll() is not None or time.monotonic() - started > 120:
            raise SystemExit("the worker did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.5)
    time.sleep(2)  # let the consumer connect
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["ledger_xlsx", "summary_docx", "summary_xlsx"])
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"full_name": "测评领导"})
    leader.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    month = timezone.localdate().strftime("%Y-%m")
    print(f"issues: {Issue.objects.count():,}")
    print(f"{'kind':14} {'rows':>9} {'s':>8} {'ms/row':>8} {'idle MB':>8} {'peak MB':>8} {'file MB':>8}")
    with tempfile.TemporaryDirectory() as media:
        for kind in args.kinds:
            log = Path(media) / f"worker-{kind}.log"
            worker = _start_worker(media, log)
            try:
                idle = _hwm_kb(worker.pid)
                extra = {"month": month, "scope": "all"} if kind.startswith("summary") else {}
                job = export_job_create(user=leader, kind=kind, **extra)  # autocommit: queued at once
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    job.refresh_from_db()
                    if job.finished:
                        break
                    time.sleep(0.5)
                peak = _hwm_kb(worker.pid)
            finally:
                _stop(worker)
            if job.state != "done":
                print(f"{kind}: {job.state} {job.failure_reason}\n{log.read_text(errors='replace')[-3000:]}")
                continue
            assert job.finished_at is not None and job.started_at is not None and job.size_bytes is not None
            seconds = (job.finished_at - job.started_at).total_seconds()
            rows = job.rows_done
            print(
                f"{kind:14} {rows:>9,} {seconds:>8.2f} {seconds * 1000 / max(rows, 1):>8.3f} "
                f"{idle / 1024:>8.0f} {peak / 1024:>8.0f} {job.size_bytes / 1e6:>8.1f}"
            )
            ExportJob.objects.filter(pk=job.pk).update(file="")  # the temporary media goes with the run


if __name__ == "__main__":
    main()
