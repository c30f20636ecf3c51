"""The lead's part of the loop in real Chromium, for a serious issue (较重: 销号 needs a 回头看):

hand-off → sign → progress with a photo → submit → the inspector logs a re-check visit and records
已整改到位 with a photo, reviews the evidence and proposes 销号 → the group lead confirms → a later
回头看 finds 反弹 and reopens the closed issue. The timeline shows every step with its actor; the
lead's home (and his inbox) show the work waiting for him at each step.
"""

from __future__ import annotations

import re

import pytest

from issues.models import Issue, IssueEvent, IssueStatus
from tests.e2e.test_issue_loop import submit_panel
from tests.issues.view_helpers import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def lead_counts(page, base: str) -> dict[str, int]:
    page.goto(f"{base}/")
    return {
        key: int(page.locator(f"[data-count={key}]").inner_text())
        for key in ("to_confirm", "to_verify", "extensions", "escalations", "instructions", "meeting")
    }


def inbox_titles(page, base: str) -> str:
    page.goto(f"{base}/notifications/")
    return page.locator("main").inner_text()


def log_recheck_visit(page, base: str, project_id: int, photo) -> str:
    """A re-check visit of the project (the 回头看 box comes ticked from the issue's record page)."""
    page.goto(f"{base}/visits/new/?project={project_id}&recheck=1")
    assert page.is_checked("[name=is_recheck]")
    page.fill("[name=place]", "水电硅项目矿区排水沟")
    page.check("[name=methods][value=onsite]")
    page.fill("[name=summary]", "回头看：实地察看排水沟整改情况。")
    page.set_input_files("main [name=files]", str(photo))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert re.search(r"/visits/\d+/$", page.url), page.url
    return page.url


def record_recheck(page, visit_url: str, issue: Issue, result: str, photo, note: str = "") -> None:
    """From the visit's 回头看问题 page: the issue's 记录结论 link, the result, a photo."""
    page.goto(visit_url)
    with page.expect_navigation():
        page.click("a:has-text('回头看问题')")
    with page.expect_navigation():
        page.click(f"a[href*='/rechecks/issue/{issue.pk}/new/']")
    page.check(f"[name=result][value={result}]")
    if note:
        page.fill("[name=note]", note)
    page.set_input_files("main [name=files]", str(photo))
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_serious_issue_from_hand_off_to_a_rebound_with_the_lead_at_each_step(browser, live_server, world, tmp_path):
    base = live_server.url
    photo = tmp_path / "排水沟.png"
    photo.write_bytes(png_bytes(64, 48, (40, 120, 200)))

    # 1. The inspector hands off a serious issue.
    inspector = browser.open_as("inspector")
    inspector.goto(f"{base}/issues/new/?project={world.project.pk}")
    inspector.fill("[name=title]", "矿区排水沟淤堵，雨后道路积水")
    inspector.fill("[name=description]", "企业反映矿区排水沟长期淤堵，雨后进场道路积水，影响施工车辆通行。")
    inspector.select_option("[name=category]", "factor_guarantee")
    inspector.select_option("[name=severity]", "serious")
    inspector.select_option("[name=lead_department]", label="市自然资源和规划局")
    with inspector.expect_navigation():
        inspector.click("main form button[type=submit]")
    issue = Issue.objects.get()
    detail_url = f"{base}/issues/{issue.pk}/"
    assert inspector.url == detail_url

    lead = browser.open_as("grouplead")
    assert lead_counts(lead, base)["to_verify"] == 0

    # 2. The department signs, reports progress with a photo and submits.
    liaison = browser.open_as("lead_liaison")
    liaison.goto(detail_url)
    submit_panel(liaison, "sign", note="已安排专人疏通")
    liaison.locator("#panel-progress [name=progress-text]").fill("排水沟已清淤，新增两处涵管")
    liaison.locator("#panel-progress [name=progress-percent]").fill("90")
    liaison.set_input_files("#panel-progress [name=progress-files]", str(photo))
    with liaison.expect_navigation():
        liaison.click("#panel-progress button[type=submit]")
    submit_panel(liaison, "submit", note="排水沟已疏通，道路不再积水")
    assert liaison.locator("[data-testid=issue-status]").inner_text() == "待核验"

    # The lead sees it waiting for verification, and his inbox says so.
    assert lead_counts(lead, base)["to_verify"] == 1
    assert issue.code in inbox_titles(lead, base)

    # 3. A 销号 proposal without a 回头看 is refused: the issue is serious.
    inspector.goto(detail_url)
    review = inspector.locator("#panel-review_evidence")
    if review.get_attribute("open") is None:
        review.locator("summary").click()
    review.locator("[name=review_evidence-evidence]").select_option(index=1)
    review.locator("[name=review_evidence-verdict][value=accepted]").check()
    with inspector.expect_navigation():
        review.locator("button[type=submit]").click()
    submit_panel(inspector, "propose_close", note="佐证材料齐全")
    assert "销号前须进行回头看" in inspector.locator("#panel-propose_close").inner_text()

    # 4. The inspector logs a re-check visit and records 已整改到位 with a photo, then proposes 销号.
    visit_url = log_recheck_visit(inspector, base, world.project.pk, photo)
    record_recheck(inspector, visit_url, issue, "rectified", photo)
    assert inspector.url == detail_url
    assert "已整改到位" in inspector.locator("section[aria-labelledby=rechecks-heading]").inner_text()
    submit_panel(inspector, "propose_close", note="佐证材料齐全，回头看现场已整改到位")
    assert inspector.locator("[data-testid=issue-status]").inner_text() == "待确认销号"

    # 5. The lead sees it awaiting his confirmation, and confirms it.
    counts = lead_counts(lead, base)
    assert (counts["to_confirm"], counts["to_verify"]) == (1, 0)
    assert lead.locator("#lead-to_confirm").get_by_text("矿区排水沟淤堵").is_visible()
    with lead.expect_navigation():
        lead.locator("#lead-to_confirm").get_by_text("矿区排水沟淤堵").click()
    submit_panel(lead, "confirm_close", note="同意销号")
    assert lead.locator("[data-testid=issue-status]").inner_text() == "已销号"
    assert lead_counts(lead, base)["to_confirm"] == 0

    # 6. A later 回头看 finds 反弹: the closed issue is reopened with a fresh deadline.
    second_visit = log_recheck_visit(inspector, base, world.project.pk, photo)
    record_recheck(inspector, second_visit, issue, "rebound", photo, note="雨后排水沟再次淤堵，道路积水")
    assert inspector.locator("[data-testid=issue-status]").inner_text() == "整改中"
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS and issue.return_count == 1

    # The timeline shows every step with its actor.
    lead.goto(detail_url)
    browser.shot(lead, "lead-loop-reopened-detail")
    steps = [item.get_attribute("data-action") for item in lead.locator("[data-testid=timeline] > li").all()]
    events = list(IssueEvent.objects.filter(issue=issue).order_by("created_at", "id").values_list("action", "actor"))
    assert steps == [action for action, _actor in events]
    for step in ("hand_off", "sign", "progress", "submit", "recheck", "review_evidence", "propose_close", "close"):
        assert step in steps
    assert steps[-2:] == ["recheck", "reopen"]
    assert steps.index("recheck") < steps.index("propose_close") < steps.index("close")
    actors = dict(IssueEvent.objects.filter(issue=issue).values_list("action", "actor__username"))
    assert actors["close"] == "grouplead" and actors["propose_close"] == "inspector"
    assert actors["reopen"] == "inspector" and actors["sign"] == "lead_liaison"
    timeline = lead.locator("[data-testid=timeline]").inner_text()
    for name in ("张督导", "刘联络员", "李组长"):
        assert name in timeline
    assert "回头看发现反弹" in timeline
