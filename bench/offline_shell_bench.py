"""App shell and offline sync, as a phone sees them: Chromium (Playwright, the service worker on)
against gunicorn + PostgreSQL on loopback with production settings (whitenoise, hashed statics).

    .venv/bin/python bench/offline_shell_bench.py                 # database dudao_bench_offline

It (re)creates the database, migrates it, loads the demo scenario, collects static files, starts
gunicorn, then as the demo inspector (inspector_zhang) measures:

* first visit: a fresh device opens the login page, signs in, lands on the home page and opens
  the visit form — every byte from the network, the service worker's precache of the app shell
  included (encoded body + headers as Chromium reports them);
* repeat visit: the same device, a new tab, the same pages — what still comes from the network
  (the pages themselves) and what the worker serves from its cache;
* sync: ten drafts with three photos each (1600×1200 JPEGs drawn in the page, as the visit form
  stores them) queued on the device, then the time until all ten are "synced" (one POST and three
  PUTs each, through the REST API).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_run import PASSWORD, ROOT, _env, _free_port, _run  # noqa: E402

PYTHON = sys.executable
BROWSER_PATH = os.environ.get("DUDAO_CHROMIUM", "/usr/bin/chromium")
# The worker's own fetches are reported (and counted) only with this on: see tests/e2e/conftest.py.
os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"

QUEUE_DRAFTS = """async ({count, photos, project}) => {
  const canvas = document.createElement('canvas');
  canvas.width = 1600; canvas.height = 1200;
  const ctx = canvas.getContext('2d');
  for (let n = 0; n < count; n++) {
    const id = DudaoStore.newId();
    await DudaoStore.putDraft({id, userId: DudaoShell.userId, projectId: project, projectName: 'bench',
      state: 'saving', uploaded: [], photoCount: photos, createdAt: Date.now(),
      visit: {project, visited_on: new Date().toISOString().slice(0, 10), place: '基准测试现场 ' + n,
              methods: ['onsite'], is_recheck: false, participants: '', summary: '基准测试', latitude: null,
              longitude: null, findings: [{kind: 'blockage', text: '堵点 ' + n}]}});
    for (let i = 0; i < photos; i++) {
      for (let k = 0; k < 400; k++) {  // noise, so the JPEG is photo-sized rather than flat
        ctx.fillStyle = `hsl(${(n * 37 + i * 91 + k * 13) % 360}, 60%, ${30 + (k % 40)}%)`;
        ctx.fillRect((k * 97) % 1600, (k * 53) % 1200, 80 + (k % 7) * 20, 60 + (k % 5) * 20);
      }
      const blob = await new Promise(r => canvas.toBlob(r, 'image/jpeg', 0.85));
      await DudaoStore.putPhoto({draftId: id, index: i, blob, name: `photo-${i}.jpg`, size: blob.size});
    }
    await DudaoStore.updateDraft(id, d => { d.state = 'pending'; });
  }
  const all = await DudaoStore.photos;
  return true;
}"""

PHOTO_BYTES = """() => DudaoStore.draftsOf(DudaoShell.userId).then(ds => Promise.all(ds.map(d => DudaoStore.photos(d.id))))
  .then(lists => lists.flat().reduce((sum, p) => sum + p.size, 0))"""


class Meter:
    """Bytes from the network per context: page and worker requests, not those the worker served."""

    def __init__(self, context):
        self.bytes = 0
        self.requests = 0
        self.from_worker = 0
        context.on("requestfinished", self._count)

    def _count(self, request):
        response = request.response()
        if response is None:
            return
        if response.from_service_worker:
            self.from_worker += 1
            return
        sizes = request.sizes()
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.requests += 1

    def reset(self):
        self.bytes = self.requests = self.from_worker = 0


def visit_pages(page, base: str, project: int) -> None:
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/visits/new/?project={project}")
    page.wait_for_load_state("networkidle")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="dudao_bench_offline")
    parser.add_argument("--drafts", type=int, default=10)
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    env = _env(args.database)
    print(f"preparing database {args.database} …", flush=True)
    for sql in (f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)", f"CREATE DATABASE {args.database}"):
        _run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], env)
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    _run([PYTHON, "manage.py", "load_demo"], env)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    project = int(
        re.findall(
            r"\d+",
            subprocess.run(
                [
                    PYTHON,
                    "manage.py",
                    "shell",
                    "-c",
                    "from accounts.models import User; from projects.selectors import project_ids_for_inspector; "
                    "print(project_ids_for_inspector(user=User.objects.get(username='inspector_zhang')).first())",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout,
        )[-1]
    )

    port = _free_port()
    base = f"http://localhost:{port}"  # localhost: a secure context, so the service worker runs
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    from playwright.sync_api import sync_playwright

    try:
        time.sleep(3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER_PATH, headless=True, args=["--no-sandbox"])
            context = browser.new_context(
                viewport={"width": 375, "height": 812}, locale="zh-CN", service_workers="allow"
            )
            meter = Meter(context)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "inspector_zhang")
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state("networkidle")
            visit_pages(page, base, project)
            page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_timeout(2000)  # the worker's warm-up of the field pages
            first = (meter.bytes, meter.requests)

            meter.reset()
            repeat_page = context.new_page()
            visit_pages(repeat_page, base, project)
            repeat = (meter.bytes, meter.requests, meter.from_worker)

            context.set_offline(True)  # queued in the field: nothing leaves before the clock starts
            repeat_page.evaluate(QUEUE_DRAFTS, {"count": args.drafts, "photos": args.photos, "project": project})
            photo_bytes = repeat_page.evaluate(PHOTO_BYTES)
            context.set_offline(False)
            started = time.perf_counter()
            repeat_page.evaluate("() => DudaoShell.syncNow()")
            repeat_page.wait_for_function(
                "() => DudaoStore.draftsOf(DudaoShell.userId).then(ds => ds.every(d => d.state === 'synced' || d.state === 'failed'))",
                polling=50,
            )
            elapsed = time.perf_counter() - started
            states = repeat_page.evaluate(
                "() => DudaoStore.draftsOf(DudaoShell.userId).then(ds => ds.map(d => d.state + ' ' + JSON.stringify(d.reason)))"
            )
            if any(not state.startswith("synced") for state in states):
                raise SystemExit(f"not every draft synced: {states}")
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)

    print(f"first visit  (login, home, visit form, shell precache): {first[0] / 1024:8.1f} KiB in {first[1]} requests")
    print(
        f"repeat visit (home, visit form):                         {repeat[0] / 1024:8.1f} KiB in {repeat[1]} requests,"
        f" {repeat[2]} served by the worker"
    )
    print(
        f"sync {args.drafts} drafts × {args.photos} photos ({photo_bytes / 1024 / 1024:.1f} MiB of JPEG):"
        f" {elapsed:.2f} s ({elapsed / args.drafts * 1000:.0f} ms per draft)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
