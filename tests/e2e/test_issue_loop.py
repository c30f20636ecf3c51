"""The whole issue loop in real Chromium, as the real users do it:

inspector logs a visit with a photo and a finding → hands it off from the finding → the lead
department signs, reports progress with a photo, submits → the inspector returns it with a reason
→ the department resubmits → the inspector reviews the evidence and proposes 销号 (he is offered no
confirmation) → the group lead confirms it; the timeline shows every step and its actor.
Screenshots of the ledger, the detail and the hand-off form (1366 and 375 wide) go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from core.workdays import add_working_days
from issues.models import Issue, IssueEvent, IssueStatus
from tests.e2e.conftest import PHONE
from tests.factories import IssueFactory
from tests.issues.view_helpers import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def submit_panel(page, action: str, **fields: str) -> None:
    """Open an action panel on the issue page, fill it and send it."""
    panel = page.locator(f"#panel-{action}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for name, value in fields.items():
        panel.locator(f"[name={action}-{name}]").fill(value)
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()


def decoded_width(page, selector: str) -> int:
    """Width of the first image matching selector once the browser has loaded it (they are lazy)."""
    page.wait_for_function(
        "sel => { const img = document.querySelector(sel); return img && img.complete && img.naturalWidth > 0; }",
        arg=selector,
    )
    return page.locator(selector).first.evaluate("img => img.naturalWidth")


def test_issue_loop_from_visit_to_close(browser, live_server, world, tmp_path):
    photo = tmp_path / "矿区现场.png"
    photo.write_bytes(png_bytes(64, 48, (40, 120, 200)))
    rectified = tmp_path / "整改后.png"
    rectified.write_bytes(png_bytes(64, 48, (40, 180, 90)))

    # 1. The inspector logs a site visit with a photo and a finding.
    inspector = browser.open_as("inspector")
    inspector.goto(f"{live_server.url}/visits/new/?project={world.project.pk}")
    inspector.fill("[name=place]", "水电硅项目矿区")
    inspector.check("[name=methods][value=onsite]")
    inspector.fill("[name=summary]", "实地察看矿区道路和供电线路建设情况。")
    inspector.select_option("[name=findings-0-kind]", "blockage")
    inspector.fill("[name=findings-0-text]", "用地报批材料多次被退回，未一次性告知补正内容")
    inspector.set_input_files("main [name=files]", str(photo))
    with inspector.expect_navigation():
        inspector.click("main form button[type=submit]")
    assert re.search(r"/visits/\d+/$", inspector.url), inspector.url
    assert decoded_width(inspector, "main img") == 64

    # 2. … and hands the finding off to the natural-resources bureau.
    with inspector.expect_navigation():
        inspector.click("a[href*='/issues/new/?finding=']")
    assert inspector.input_value("[name=description]") == "用地报批材料多次被退回，未一次性告知补正内容"
    inspector.select_option("[name=category]", "work_style")
    inspector.select_option("[name=lead_department]", label="市自然资源和规划局")
    inspector.select_option("[name=assisting_departments]", label="市林业和草原局")
    browser.shot(inspector, "issue-handoff-desktop")
    with inspector.expect_navigation():
        inspector.click("main form button[type=submit]")
    issue = Issue.objects.get(source_finding__isnull=False)
    assert issue.source_finding is not None and issue.source_visit is not None
    detail_url = f"{live_server.url}/issues/{issue.pk}/"
    assert inspector.url == detail_url

    # 3. The department signs, reports progress with a photo, and submits.
    liaison = browser.open_as("lead_liaison")
    liaison.goto(detail_url)
    submit_panel(liaison, "sign", note="已安排用地科专人办理")
    assert liaison.locator("[data-testid=issue-status]").inner_text() == "整改中"
    liaison.locator("#panel-progress [name=progress-text]").fill("已梳理材料清单并一次性告知企业")
    liaison.locator("#panel-progress [name=progress-percent]").fill("60")
    liaison.set_input_files("#panel-progress [name=progress-files]", str(rectified))
    with liaison.expect_navigation():
        liaison.click("#panel-progress button[type=submit]")
    assert decoded_width(liaison, ".dd-thumbs img") == 64  # served through the checked view, decoded
    browser.shot(liaison, "issue-detail-open-desktop")
    liaison_phone = browser.open_as("lead_liaison", viewport=PHONE)
    liaison_phone.goto(detail_url)
    browser.shot(liaison_phone, "issue-detail-open-phone")
    submit_panel(liaison, "submit", note="材料清单已公开，企业补正材料已受理")
    assert liaison.locator("[data-testid=issue-status]").inner_text() == "待核验"

    # 4. The inspector returns it with a reason.
    inspector.goto(detail_url)
    submit_panel(inspector, "return", note="缺少企业确认意见，请补充")
    assert inspector.locator("[data-testid=issue-status]").inner_text() == "整改中"

    # 5. The department resubmits.
    liaison.goto(detail_url)
    assert "缺少企业确认意见，请补充" in liaison.locator("[data-testid=timeline]").inner_text()
    submit_panel(liaison, "submit", note="已补充企业确认意见")

    # 6. The inspector reviews the photo and proposes 销号; confirming is not his to do.
    inspector.goto(detail_url)
    review = inspector.locator("#panel-review_evidence")
    if review.get_attribute("open") is None:
        review.locator("summary").click()
    review.locator("[name=review_evidence-evidence]").select_option(index=1)
    review.locator("[name=review_evidence-verdict][value=accepted]").check()
    with inspector.expect_navigation():
        review.locator("button[type=submit]").click()
    submit_panel(inspector, "propose_close", note="回头看核实，企业确认已解决")
    assert inspector.locator("[data-testid=issue-status]").inner_text() == "待确认销号"
    assert inspector.locator("#panel-confirm_close").count() == 0

    # 7. The group lead confirms it.
    lead = browser.open_as("grouplead")
    lead.goto(detail_url)
    assert "回头看核实，企业确认已解决" in lead.locator("#panel-confirm_close").inner_text()
    submit_panel(lead, "confirm_close", note="同意销号")
    assert lead.locator("[data-testid=issue-status]").inner_text() == "已销号"

    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED and issue.return_count == 1 and issue.progress_percent == 100
    steps = [item.get_attribute("data-action") for item in lead.locator("[data-testid=timeline] > li").all()]
    assert steps == [
        "hand_off",
        "sign",
        "progress",
        "submit",
        "return",
        "submit",
        "review_evidence",
        "propose_close",
        "close",
    ]
    timeline = lead.locator("[data-testid=timeline]").inner_text()
    for actor in ("张督导", "刘联络员", "李组长"):
        assert actor in timeline
    actors = list(IssueEvent.objects.filter(issue=issue).values_list("action", "actor__username"))
    assert actors == [
        ("hand_off", "inspector"),
        ("sign", "lead_liaison"),
        ("progress", "lead_liaison"),
        ("submit", "lead_liaison"),
        ("return", "inspector"),
        ("submit", "lead_liaison"),
        ("review_evidence", "inspector"),
        ("propose_close", "inspector"),
        ("close", "grouplead"),
    ]
    inspector.goto(detail_url)
    browser.shot(inspector, "issue-detail-desktop")

    # Screenshots: the ledger on a desktop (with a late and a due-soon issue beside it); everything on a phone.
    today = timezone.localdate()
    IssueFactory(
        project=world.project,
        lead_department=world.other_department,
        title="矿区道路施工许可久拖未办",
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=today - dt.timedelta(days=30),
        rectification_deadline=today - dt.timedelta(days=9),
        code="DD2026-09001",
    )
    world.hand_off(
        title="供电线路接入方案审批迟缓",
        rectification_deadline=add_working_days(today, 2),
        sign_deadline=add_working_days(today, 1),
    )
    inspector.goto(f"{live_server.url}/issues/")
    assert issue.code in inspector.locator("#ledger-table").inner_text()
    browser.shot(inspector, "issue-ledger-desktop")
    phone = browser.open_as("inspector", viewport=PHONE)
    phone.goto(f"{live_server.url}/issues/")
    browser.shot(phone, "issue-ledger-phone")
    phone.goto(detail_url)
    browser.shot(phone, "issue-detail-phone")
    phone.goto(f"{live_server.url}/issues/new/?project={world.project.pk}")
    browser.shot(phone, "issue-handoff-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def test_ledger_filters_refresh_the_table_with_htmx(browser, live_server, world):
    world.hand_off(title="审批窗口推诿扯皮")
    world.hand_off(title="供电线路接入迟缓", description="线路方案未批复。")
    page = browser.open_as("inspector")
    page.goto(f"{live_server.url}/issues/")
    assert page.locator("#ledger-table tbody tr").count() == 2
    page.fill("#id_q", "推诿")  # no Enter, no button: htmx swaps the table in place
    page.locator("#ledger-table tbody tr").nth(1).wait_for(state="detached")
    assert "审批窗口推诿扯皮" in page.locator("#ledger-table").inner_text()
    assert "q=%E6%8E%A8%E8%AF%BF" in page.evaluate("location.search")  # the URL can be shared
    page.select_option("[name=status]", "closed")
    page.get_by_text("没有符合条件的问题。").wait_for()


def test_hand_off_deadlines_recomputed_from_working_days(browser, live_server, world):
    page = browser.open_as("inspector")
    page.goto(f"{live_server.url}/issues/new/")
    before = page.input_value("[name=rectification_deadline]")
    page.fill("[name=rectification_working_days]", "40")
    page.locator("[name=rectification_working_days]").dispatch_event("change")
    page.wait_for_function(
        "before => document.querySelector('[name=rectification_deadline]').value !== before", arg=before
    )
    assert "40 个工作日" in page.locator("[data-testid=rectification-hint]").inner_text()
