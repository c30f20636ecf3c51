"""约谈 records on the seed demo, as a group lead, a liaison and a leader read them — at 1280 and
375 px wide. Screenshots in test-artifacts/ (talks-*.png); the assertions are what they must show."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from reports.figures import current_month
from talks.models import Talk
from tests.e2e.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _no_overflow(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"horizontal overflow: {width}px"


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
def test_talks_read_right(browser, viewport):
    call_command("load_demo", stdout=StringIO())
    ARTIFACTS.mkdir(exist_ok=True)
    size = viewport["width"]
    forest = Talk.objects.get(department__short_name="市林草局")

    page = browser.open_as("lead_li", viewport=viewport)
    page.goto(f"{browser.base_url}/talks/")
    main = page.inner_text("main")
    assert "马志强（分管副局长）" in main and "何建国（局长）" in main
    _no_overflow(page, viewport)
    page.screenshot(path=str(ARTIFACTS / f"talks-list-{size}.png"), full_page=True)

    page.goto(f"{browser.base_url}/talks/{forest.pk}/")
    main = page.inner_text("main")
    assert "林地审核补充材料未一次性告知" in main and "个工作日内完成" in main
    assert re.search(r"\d{4}-\d{2}(列入黑榜|列入红榜|未列入红黑榜)", page.inner_text("#talk-ranking"))
    _no_overflow(page, viewport)
    page.screenshot(path=str(ARTIFACTS / f"talks-detail-{size}.png"), full_page=True)

    page.goto(f"{browser.base_url}/talks/new/")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "此项为必填项。" in page.inner_text("main")
    _no_overflow(page, viewport)
    page.screenshot(path=str(ARTIFACTS / f"talks-form-errors-{size}.png"), full_page=True)

    liaison = browser.open_as("liaison_lc", viewport=viewport)
    liaison.goto(f"{browser.base_url}/talks/departments/{forest.department_id}/")
    main = liaison.inner_text("main")
    assert "约谈 1 次" in main and "何建国" not in main  # another department's talk stays hidden
    _no_overflow(liaison, viewport)
    liaison.screenshot(path=str(ARTIFACTS / f"talks-department-{size}.png"), full_page=True)

    leader = browser.open_as("leader", viewport=viewport)
    leader.goto(f"{browser.base_url}/summaries/{current_month()}/")
    bulletin = leader.inner_text("#bulletin")
    assert (
        "约谈市林草局分管副局长（林地审核补充材料往返多次、未一次性告知，整改逾期，影响水电硅项目用地报批）" in bulletin
    )
    assert "提醒谈话市自然资源局局长" in bulletin
    leader.locator("#bulletin").screenshot(path=str(ARTIFACTS / f"talks-bulletin-{size}.png"))
