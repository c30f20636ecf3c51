"""问题线索 in real Chromium at 1280 and 375 px: a leader records a person's outcome on the detail
page and sees it in the timeline; the list and the detail fit a phone; a liaison's browser gets
the 404 page and no menu entry."""

from __future__ import annotations

import pytest

from clues import services
from tests.clues.conftest import days_ago
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)
WIDE = {"width": 1280, "height": 900}


def _case(world, issue):
    clue = services.clue_register(
        actor=world.inspector,
        issue=issue,
        title="市自然资源局用地科推诿拖延问题线索",
        description="企业反映用地报批材料多次被退回、未一次性告知，涉嫌推诿拖延。",
        subjects=[
            {"name": "甲某某", "post": "用地科科长", "department": world.lead_department},
            {"name": "乙某", "post": "用地科科员", "department": world.lead_department},
        ],
    )
    services.clue_hand_over(clue=clue, actor=world.group_lead, received_on=days_ago(20))
    services.clue_start_verification(clue=clue, actor=world.inspector, note="调取审批台账，约谈企业。", on=days_ago(18))
    services.clue_dispose(
        clue=clue, actor=world.leader, disposal="file_case", note="予以立案审查调查。", on=days_ago(10)
    )
    return clue


def test_a_leader_records_an_outcome_and_the_pages_fit_a_phone(browser, world, issue):
    clue = _case(world, issue)
    page = browser.open_as(world.leader.username, viewport=WIDE)
    page.goto(f"{browser.base_url}/clues/")
    assert page.locator("#clues").inner_text().count("XS") == 1
    browser.shot(page, "clues-list-leader-1280")
    page.goto(f"{browser.base_url}/clues/{clue.pk}/")
    page.select_option("#id_outcome-subject", label="甲某某")
    page.select_option("#id_outcome-supervision_form", "2")
    page.select_option("#id_outcome-party_sanction", "warning")
    page.fill("#id_outcome-note", "给予党内警告处分。")
    page.click("[data-testid=clue-outcome]")
    page.wait_for_load_state("networkidle")
    assert "处理结果已登记" in page.content()
    assert "党纪处分：警告" in page.locator("#subjects").inner_text()
    assert "登记处理结果" in page.locator("#timeline").inner_text()
    browser.shot(page, "clues-detail-leader-1280")
    phone = browser.open_as(world.leader.username, viewport=PHONE)
    for path, name in ((f"/clues/{clue.pk}/", "detail"), ("/clues/", "list"), (f"/clues/new/?issue={issue.pk}", "new")):
        phone.goto(browser.base_url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at 375px"
        browser.shot(phone, f"clues-{name}-leader-375")


def test_a_liaison_never_sees_clues(browser, world, issue):
    clue = _case(world, issue)
    page = browser.open_as(world.lead_liaison.username, viewport=WIDE)
    assert page.locator("[data-nav=clues]").count() == 0
    response = page.goto(f"{browser.base_url}/clues/{clue.pk}/")
    assert response.status == 404 and "甲某某" not in page.content()
    browser.shot(page, "clues-detail-liaison-404")
