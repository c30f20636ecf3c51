"""A leader reads the dashboard in Chromium: charts drawn, a card drilled down to exactly its ledger
rows, the monthly summary exported to Word and Excel (opened and checked), the ledger exported with
its filters. Screenshots, desktop and 375 px wide, in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from issues.models import Issue, IssueCategory, IssueStatus
from projects.models import ProcedureStage
from reports.figures import current_month
from rollups.models import IssueRollup, Kind
from tests.e2e.conftest import PHONE
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _scenario(world) -> dict:
    today, now = timezone.localdate(), timezone.now()
    red = [
        IssueFactory(
            code=f"E2E-R{i}",
            project=world.project,
            lead_department=world.lead_department,
            title=f"逾期问题{i}",
            status=IssueStatus.IN_PROGRESS,
            handed_off_at=now - dt.timedelta(days=40),
            sign_deadline=today - dt.timedelta(days=38),
            # One far past the 黑榜's five working days, two a few days late.
            rectification_deadline=today - dt.timedelta(days=i + 2 if i else 30),
        )
        for i in range(3)
    ]
    IssueFactory(
        code="E2E-Y",
        project=world.other_project,
        lead_department=world.other_department,
        title="临期问题",
        category=IssueCategory.BUSINESS_ENVIRONMENT,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=today,
        rectification_deadline=today + dt.timedelta(days=1),
    )
    for i in range(4):
        IssueFactory(
            code=f"E2E-C{i}",
            project=world.project,
            lead_department=world.other_department,
            title=f"已销号问题{i}",
            status=IssueStatus.CLOSED,
            handed_off_at=now - dt.timedelta(days=20),
            sign_deadline=today - dt.timedelta(days=18),
            rectification_deadline=today + dt.timedelta(days=i),  # all on time: the 红榜
            submitted_at=now - dt.timedelta(hours=2),
            closed_at=now - dt.timedelta(hours=1),
        )
    IssueFactory(
        code="E2E-G",
        project=world.project,
        lead_department=world.lead_department,
        title="正常推进问题",
        status=IssueStatus.HANDED_OFF,
    )
    ProcedureStage.objects.create(
        project=world.project,
        kind="forest_land",
        status="blocked",
        position=1,
        blocked_since=today - dt.timedelta(days=21),
        blockage_note="林地审核待批复",
    )
    ProcedureStage.objects.create(project=world.project, kind="land_approval", status="done", position=0)
    return {"red": sorted(issue.code for issue in red)}


def _stat(page, selector: str) -> int:
    return int(re.match(r"\d+", page.locator(selector).inner_text().strip())[0])


def test_leader_dashboard_drill_down_and_exports(browser, world):
    expected = _scenario(world)
    page = browser.open_as(world.leader.username)
    page.goto(f"{browser.base_url}/dashboard/")
    for chart in ("trend", "lights", "categories", "projects"):
        page.wait_for_selector(f"#chart-{chart}[data-rendered='1'] canvas")
    # The 红黑榜 with its reasons: the department closing four on time is red, the one with an
    # issue 30 days overdue black, each with its reason and the rule printed under the lists.
    red_board, black_board = page.inner_text("#red-board"), page.inner_text("#black-board")
    assert world.other_department.short_name in red_board and "销号4件，均按期销号" in red_board
    assert world.lead_department.short_name in black_board and "逾期未整改3件，最长" in black_board
    assert "评定规则：红榜" in page.inner_text("#ranking-rule")
    assert "林地审核待批复" in page.locator(".dd-blockage").inner_html()
    browser.shot(page, "dashboard-desktop")

    # Drill down: the red card's number is exactly the ledger's rows.
    red_count = _stat(page, "a[data-card='red'] .dd-stat-value")
    assert red_count == 3
    page.click("a[data-card='red']")
    page.wait_for_load_state("networkidle")
    assert "light=red" in page.url
    assert f"共 {red_count} 件问题" in page.inner_text("main")
    for code in expected["red"]:
        assert code in page.inner_text("main")
    assert "E2E-Y" not in page.inner_text("main")

    # The ledger export with the same filters, opened with openpyxl.
    query = page.url.split("?", 1)[1]
    response = page.request.get(f"{browser.base_url}/issues/export.xlsx?{query}")
    assert response.ok
    sheet = load_workbook(io.BytesIO(response.body()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "序号" and rows[1][-1] == "销号时间"
    assert len(rows) - 2 == red_count and {row[9] for row in rows[2:]} == {"是"}

    # The month's summary and its two exports.
    page.goto(f"{browser.base_url}/dashboard/")
    page.click(f"a[href='/summaries/{current_month()}/']")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-state='live']").is_visible()
    handed_off = _stat(page, "[data-figure='handed_off'] .dd-stat-value")
    closed = _stat(page, "[data-figure='closed'] .dd-stat-value")
    overdue = _stat(page, "[data-figure='overdue'] .dd-stat-value")
    month = current_month()
    in_month = Issue.objects.filter(handed_off_at__gte=month.start).count()  # near a month's start, fewer
    closed_in_month = Issue.objects.filter(closed_at__gte=month.start).count()
    # On SQLite this once read 1 where 2 were handed off: a previous test's flush had left rollup
    # rows of -1 (tests/rollups/test_flush.py, mended by rollups_clear_when_no_issue). Say what
    # the database held, so a failure explains itself.
    assert (handed_off, closed, overdue) == (in_month, closed_in_month, 3), (
        f"month {month} from {month.start}; issues "
        f"{list(Issue.objects.values_list('code', 'handed_off_at', 'withdrawn_at', 'status'))}; hand-off rollup "
        f"{list(IssueRollup.objects.filter(kind=Kind.HANDED_OFF).values_list('project_id', 'department_id', 'day1', 'n'))}"
    )
    title = page.inner_text("#bulletin-title")
    paragraphs = [p.inner_text() for p in page.locator("#bulletin .dd-narrative").all()]
    assert title.endswith("重大投资项目专项督导工作情况的通报") and len(paragraphs) >= 4
    browser.shot(page, "summary-desktop")

    summary_url = page.url
    with page.expect_download() as download_info:
        _export(page, "docx")
    document = Document(download_info.value.path())
    texts = [p.text for p in document.paragraphs]
    assert title in texts and all(paragraph in texts for paragraph in paragraphs)
    # the figures are in the 通报's sentences (checked above); its attachment lists each overdue issue
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert sum(1 for row in rows if row[0].startswith("E2E-R")) == overdue

    page.goto(summary_url)
    with page.expect_download() as download_info:
        _export(page, "xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    # The saved download has no extension, which openpyxl refuses: read the bytes.
    overview = load_workbook(io.BytesIO(open(download.path(), "rb").read()))["概况"]
    values = {row[0]: row[1] for row in overview.iter_rows(min_row=2, values_only=True)}
    assert values["新交办问题（件）"] == handed_off and values["整改销号（件）"] == closed
    assert values["逾期未整改（件）"] == overdue and values["通报"].splitlines()[0] == title
    assert all(paragraph in values["通报"].splitlines() for paragraph in paragraphs)


def _export(page, kind: str) -> None:
    """生成Word / 生成Excel: the job's page polls while the export runs (run here, as the worker
    would), then its download link is clicked."""
    from reports.export_jobs import export_job_run
    from reports.models import ExportJob

    page.click(f"form[data-export='{kind}'] button")
    page.wait_for_url("**/exports/*/")
    export_job_run(job_id=ExportJob.objects.latest("pk").pk)
    page.click("[data-export-download]")


def test_dashboard_and_summary_on_a_phone(browser, world):
    _scenario(world)
    page = browser.open_as(world.leader.username, viewport=PHONE)
    page.goto(f"{browser.base_url}/dashboard/")
    page.wait_for_selector("#chart-trend[data-rendered='1'] canvas")
    page.wait_for_selector("#chart-projects[data-rendered='1'] canvas")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"horizontal overflow: {width}px"
    browser.shot(page, "dashboard-phone")
    response = page.goto(f"{browser.base_url}/summaries/{current_month()}/")
    assert response.status == 200
    assert "督导调度汇总" in page.inner_text("main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"horizontal overflow: {width}px"
    browser.shot(page, "summary-phone")
