"""Each role's pages in real Chromium, desktop and 375 px wide: screenshots to look at, no
horizontal overflow on a phone, and the visit form's JavaScript (add a finding row) working."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from projects.models import FactorGuarantee, ProcedureStage
from tests.e2e.conftest import PHONE
from tests.factories import FindingFactory, IssueFactory, SiteVisitFactory
from tests.inspections.test_visit_pages import _attach, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def _scenario(world):
    today = timezone.localdate()
    project = world.project
    project.name = "昭通水电硅材一体化项目（一期）"
    project.county = "昭阳区"
    project.investment = 205.4
    project.expected_annual_output = 300
    project.expected_jobs = 5000
    project.land_area_mu = 3200
    project.description = "总投资205.4亿元，建设水电硅材加工一体化基地。"
    project.save()
    ProcedureStage.objects.create(
        project=project,
        kind="land_approval",
        status="done",
        position=1,
        started_on=today - dt.timedelta(days=200),
        finished_on=today - dt.timedelta(days=90),
    )
    ProcedureStage.objects.create(
        project=project,
        kind="forest_land",
        status="blocked",
        position=2,
        started_on=today - dt.timedelta(days=60),
        blocked_since=today - dt.timedelta(days=21),
        blockage_note="使用林地审核同意书待省林草局批复，材料往返三次。",
    )
    ProcedureStage.objects.create(project=project, kind="construction_start", status="not_started", position=3)
    for factor, status, note in (
        ("water", "guaranteed", "取水许可已批复"),
        ("electricity", "at_risk", "220千伏送出线路未开工"),
        ("road", "in_progress", "进场道路硬化施工中"),
        ("gas", "not_started", ""),
    ):
        FactorGuarantee.objects.create(project=project, factor=factor, status=status, note=note)
    visit = SiteVisitFactory(
        project=project,
        created_by=world.inspector,
        place="水电硅项目矿区及企业会议室",
        method_forum=True,
        method_onsite=True,
        participants="企业总经理\n县自然资源局副局长",
        summary="实地察看矿区，召开座谈会听取企业诉求。",
    )
    visit.inspectors.add(world.inspector)
    FindingFactory(visit=visit, kind="blockage", text="林地审核材料多次退回，未一次性告知。")
    finding = FindingFactory(visit=visit, kind="demand", text="希望协调220千伏线路尽快开工。", position=1)
    _attach(visit, "矿区现场.png", png_bytes(64, 48), "image/png")
    world.hand_off(title="林地审核材料反复退回", source_visit=visit, source_finding=finding)
    IssueFactory(
        project=project,
        lead_department=world.lead_department,
        title="进场道路建设滞后，影响设备进场",
        status="in_progress",
        sign_deadline=today - dt.timedelta(days=30),
        rectification_deadline=today - dt.timedelta(days=3),
    )
    return visit


PAGES = [
    ("inspector", "home", "/"),
    ("inspector", "projects", "/projects/"),
    ("inspector", "project", "/projects/{project}/"),
    ("inspector", "visit-form", "/visits/new/?project={project}"),
    ("inspector", "visit", "/visits/{visit}/"),
    ("lead_liaison", "home", "/"),
    ("leader", "home", "/"),
    ("leader", "project", "/projects/{project}/"),
]


def test_pages_look_right_on_desktop_and_phone(browser, world):
    visit = _scenario(world)
    for who, name, path in PAGES:
        user = getattr(world, who)
        url = browser.base_url + path.format(project=world.project.pk, visit=visit.pk)
        for label, viewport in (("desktop", None), ("phone", PHONE)):
            page = browser.open_as(user.username, **({"viewport": viewport} if viewport else {}))
            problems = []
            page.on(
                "console", lambda message, problems=problems: message.type == "error" and problems.append(message.text)
            )
            page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
            response = page.goto(url)
            assert response.status == 200, (who, name, url)
            assert "督导" in page.title()
            if viewport:
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{who} {name} overflows by {overflow}px at 375px"
            page.wait_for_load_state("networkidle")
            assert problems == [], (who, name, problems)  # no CSP refusals, no script errors
            browser.shot(page, f"look-{who}-{name}-{label}")
            page.context.close()


def test_phone_menu_and_english(browser, world):
    page = browser.open_as(world.inspector.username, viewport=PHONE)
    page.click("button.navbar-toggler")
    page.wait_for_selector("#dd-nav.show")
    page.wait_for_timeout(400)  # let the collapse animation finish before the screenshot
    browser.shot(page, "look-inspector-menu-phone", full_page=False)
    page.click("text=语言")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="My projects").is_visible()
    browser.shot(page, "look-inspector-home-english-phone")
    page.goto(f"{browser.base_url}/projects/{world.project.pk}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    browser.shot(page, "look-inspector-project-english-phone")


def test_visit_form_adds_finding_rows_and_saves_with_photo(browser, world, tmp_path):
    world.project.name = "昭通水电硅材一体化项目"
    world.project.save()
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes(80, 60))
    page = browser.open_as(world.inspector.username, viewport=PHONE)
    page.goto(f"{browser.base_url}/visits/new/?project={world.project.pk}")
    page.fill("input[name=place]", "矿区施工便道")
    page.check("input[name=methods][value=onsite]")
    page.fill("textarea[name=summary]", "察看施工便道与供电线路走向。")
    page.select_option("select[name=findings-0-kind]", "blockage")
    page.fill("textarea[name=findings-0-text]", "供电线路杆塔用地未落实")
    page.click("[data-formset-add=findings]")
    page.select_option("select[name=findings-1-kind]", "expectation")
    page.fill("textarea[name=findings-1-text]", "盼年内通电")
    page.set_input_files("input[name=files]", str(photo))
    browser.shot(page, "look-inspector-visit-form-filled-phone")
    page.click("button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    assert "/visits/" in page.url and "/new/" not in page.url
    assert page.get_by_text("供电线路杆塔用地未落实").is_visible()
    assert page.get_by_text("盼年内通电").is_visible()
    width = page.evaluate("document.querySelector('img.dd-thumb').naturalWidth")
    assert width == 80  # the thumbnail really loaded through the checked view
    browser.shot(page, "look-inspector-visit-saved-phone")
