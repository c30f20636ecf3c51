"""The group lead's home in real Chromium, 1280 and 375 px wide: every queue with its count, the
navigation's badges, no horizontal overflow on a phone. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.desk.test_lead_desk import escalated, pending_extension, planned_meeting, submitted
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _work(world):
    from dispatch.models import Decision
    from issues import services

    issue = submitted(world, title="审批窗口推诿扯皮，用地报批材料多次退回")
    proposal = submitted(world, title="110千伏供电线路接入方案审批迟缓")
    services.issue_propose_close(issue=proposal, actor=world.inspector, note="佐证材料齐全，整改属实。")
    pending_extension(world, title="林地使用审核同意书办理延期")
    escalated(world, world.project, world.lead_department)
    services.instruction_create(issue=issue, actor=world.leader, text="请组长亲自督办，务必按期整改到位、按期销号。")
    meeting = planned_meeting(world.group, place="市纪委监委三楼会议室")
    Decision.objects.create(meeting=meeting, text="督促林地手续。", created_by=world.group_lead)


@pytest.mark.parametrize("name,viewport", [("lead-home-1280", WIDE), ("lead-home-375", PHONE)])
def test_the_leads_home_at_desktop_and_phone_width(browser, live_server, world, name, viewport):
    _work(world)
    page = browser.open_as("grouplead", viewport=viewport)
    page.goto(f"{live_server.url}/")
    counts = {"to_confirm": 1, "to_verify": 1, "extensions": 1, "escalations": 1, "instructions": 1, "meeting": 1}
    for key, count in counts.items():
        assert page.locator(f"[data-count={key}]").inner_text() == str(count)
    assert page.locator("#lead-meeting").get_by_text("议程未生成快照").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal overflow"
    browser.shot(page, name)
    # the navigation's badges: open the menu (the toggler first on a phone)
    if viewport is PHONE:
        page.click(".navbar-toggler")
    page.get_by_role("button", name="组长待办").or_(page.locator("a.dropdown-toggle", has_text="组长待办")).click()
    badge = page.locator(".dropdown-menu [data-queue=to_verify]")
    assert badge.is_visible() and badge.inner_text() == "1"
    browser.shot(page, f"{name}-menu", full_page=False)
