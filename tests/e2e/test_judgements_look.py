"""The leaders' judgements on the seed demo, as a cadre reads them at a 调度会: the dashboard's
红黑榜, last month's summary with its 通报, and last month's meeting — at 1280 and 375 px wide.
Screenshots in test-artifacts/ (judgements-*.png); the assertions are what the pictures must show."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from dispatch.models import DispatchMeeting
from reports.figures import current_month
from tests.e2e.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _no_overflow(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"horizontal overflow: {width}px"


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
def test_the_demo_judgements_read_right(browser, viewport):
    call_command("load_demo", stdout=StringIO())
    ARTIFACTS.mkdir(exist_ok=True)
    size = viewport["width"]
    page = browser.open_as("leader", viewport=viewport)

    page.goto(f"{browser.base_url}/dashboard/")
    ranking = page.locator("#ranking")
    ranking.scroll_into_view_if_needed()
    black = page.inner_text("#black-board")
    # The departments with overdue issues are on the 黑榜 with the working days; nobody is on both.
    assert "市林草局" in black and re.search(r"逾期未整改1件，最长\d+个工作日", black)
    red_names = set(page.locator("#red-board li strong").all_inner_texts())
    assert not red_names & set(page.locator("#black-board li strong").all_inner_texts())
    assert "评定规则" in page.inner_text("#ranking-rule")
    _no_overflow(page, viewport)
    ranking.screenshot(path=str(ARTIFACTS / f"judgements-dashboard-ranking-{size}.png"))

    last_month = current_month().previous()
    page.goto(f"{browser.base_url}/summaries/{last_month}/")
    main = page.inner_text("main")
    assert f"关于{last_month.label}重大投资项目专项督导工作情况的通报" in main
    for heading in ("一、总体情况", "二、主要做法和成效", "三、存在的问题", "四、下步工作要求"):
        assert heading in main
    assert "（红榜）" not in main and "逾期（工作日）" in main
    bulletin = page.inner_text("#bulletin")
    assert not re.search(r"(?<![\d.])0(件|次|人|个|项|起|天)", bulletin)
    assert "查处问题" not in bulletin and "通报文字" not in main
    _no_overflow(page, viewport)
    page.screenshot(path=str(ARTIFACTS / f"judgements-summary-{size}.png"), full_page=True)
    # The parts a cadre reads out, each on its own (a 375 px full page is too tall to read shrunk).
    page.locator("#bulletin").screenshot(path=str(ARTIFACTS / f"judgements-summary-bulletin-{size}.png"))
    page.locator("#ranking").screenshot(path=str(ARTIFACTS / f"judgements-summary-ranking-{size}.png"))

    meeting = DispatchMeeting.objects.get()
    page.goto(f"{browser.base_url}/meetings/{meeting.pk}/")
    main = page.inner_text("main")
    assert "安排会议时（）" not in main and "无受阻的手续环节" not in main and "缺席" not in main
    assert re.search(r"安排会议时（\d{4}-\d{2}-\d{2}）的情况快照", main)
    assert re.search(r"未办结问题\d+件", main) and "林地" in main and "实到" in main
    _no_overflow(page, viewport)
    page.screenshot(path=str(ARTIFACTS / f"judgements-meeting-{size}.png"), full_page=True)
