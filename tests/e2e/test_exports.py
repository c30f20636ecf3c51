"""The ledger's 生成导出 in Chromium: the progress page's bar moves without a reload while the job
runs (the task is run from the test thread, as a worker would, while the page polls), the
download link appears when it is done, and the inbox holds a message whose link downloads the file.
The export pages pass axe (WCAG 2.1 A/AA) in each state; test_axe.py's walk skips /exports/."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from reports.export_jobs import export_job_run
from reports.models import ExportJob, ExportState
from tests.e2e.conftest import PHONE
from tests.e2e.test_axe import axe_violations, describe, with_axe

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP_1280 = {"width": 1280, "height": 900}


@pytest.mark.parametrize("viewport", [DESKTOP_1280, PHONE], ids=["1280", "375"])
def test_export_progress_bar_and_inbox_link(browser, world, viewport):
    for index in range(8):
        world.hand_off(title=f"浏览器导出{index}")
    name = "1280" if viewport is DESKTOP_1280 else "375"
    page = with_axe(browser.open_as(world.leader.username, viewport=viewport))
    page.goto(f"{browser.base_url}/issues/?q=浏览器导出")
    page.click("form[data-export='ledger-xlsx'] button")
    page.wait_for_url("**/exports/*/")
    job = ExportJob.objects.get(owner=world.leader)
    assert page.locator("[data-export-state]").inner_text() == "排队中"
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # what a worker writes while it runs: the bar follows without a reload
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, rows_total=8, rows_done=3)
    page.wait_for_selector("[data-export-rows]:has-text('已完成 3 / 8 行')", timeout=10_000)
    assert page.get_attribute(".progress", "aria-valuenow") == "37"
    browser.shot(page, f"export-progress-{name}")
    assert not (found := axe_violations(page)), "\n".join(describe("progress", found))

    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.QUEUED, rows_total=None, rows_done=0)
    export_job_run(job_id=job.pk)
    page.wait_for_selector("[data-export-download]", timeout=10_000)
    assert page.evaluate("window.__sameDocument === true")
    assert page.get_attribute(".progress", "aria-valuenow") == "100"
    assert page.locator("[data-export-state]").inner_text() == "已完成"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"horizontal overflow: {width}px"
    browser.shot(page, f"export-done-{name}")
    assert not (found := axe_violations(page)), "\n".join(describe("done", found))

    # the inbox: the message's link is the download
    page.goto(f"{browser.base_url}/notifications/")
    item = page.locator(".list-group-item", has_text="导出已完成")
    assert item.count() == 1 and "文件保留至" in item.inner_text()
    browser.shot(page, f"export-inbox-{name}")
    with page.expect_download() as download_info:
        item.locator("form button").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith("整改台账-") and download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True).active
    titles = {row[1].split("：")[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert titles == {f"浏览器导出{index}" for index in range(8)}

    page.goto(f"{browser.base_url}/exports/")
    assert page.locator("[data-export-job]").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"horizontal overflow: {width}px"
    browser.shot(page, f"export-list-{name}")
    assert not (found := axe_violations(page)), "\n".join(describe("my exports", found))
