"""Site visits recorded with no network, in real Chromium with the service worker: the draft
survives a reload on the device and becomes exactly one visit (findings and photos included)
when the network returns, however the sync is interrupted, repeated or refused.

Screenshots at 375 px (test-artifacts/): the offline banner, the drafts list, a synced visit.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from inspections.models import Finding, SiteVisit, VisitAttachment
from tests.e2e.conftest import DEMO_PASSWORD, PHONE
from tests.issues.view_helpers import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


class Field:
    """One inspector's phone: a browser context with the service worker, signed in."""

    def __init__(self, browser, username: str = "inspector"):
        self.browser = browser
        self.base = browser.base_url
        self.context = browser.chromium.new_context(
            viewport=PHONE, locale="zh-CN", service_workers="allow", accept_downloads=True
        )
        browser.contexts.append(self.context)
        self.page = self.new_tab()
        self.login(username)

    def new_tab(self):
        page = self.context.new_page()
        page.set_default_timeout(20_000)
        return page

    def login(self, username: str, page=None) -> None:
        page = page or self.page
        page.goto(f"{self.base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url, f"login failed for {username}"

    def form_url(self, project) -> str:
        return f"{self.base}/visits/new/?project={project.pk}"

    def open_form_for_the_field(self, project) -> None:
        """Open the visit form online and wait until the worker keeps it (and the drafts page)."""
        page = self.page
        page.goto(self.form_url(project))
        page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function(
            """urls => caches.open('dudao-pages').then(c => Promise.all(urls.map(u => c.match(u))))
                   .then(found => found.every(Boolean))""",
            arg=[self.form_url(project), f"{self.base}/visits/drafts/"],
            timeout=30_000,
        )

    def offline(self, on: bool = True) -> None:
        """The network cut for the pages and the service worker alike (see conftest: the worker's
        own fetches obey it only with Playwright's service-worker network events on)."""
        self.context.set_offline(on)

    def record(self, *, place: str, findings=(), photos=(), page=None) -> None:
        """Fill the visit form and save it; offline it becomes a draft and the drafts page opens."""
        page = page or self.page
        page.fill("[name=place]", place)
        page.check("[name=methods][value=onsite]")
        page.fill("[name=summary]", f"{place}：实地察看施工进度。")
        for index, (kind, text) in enumerate(findings):
            if page.locator(f"[name=findings-{index}-kind]").count() == 0:
                page.click("[data-formset-add]")
            page.select_option(f"[name=findings-{index}-kind]", kind)
            page.fill(f"[name=findings-{index}-text]", text)
        if photos:
            page.set_input_files("main [name=files]", [str(p) for p in photos])
        with page.expect_navigation(url=re.compile(r"/visits/drafts/")):
            page.click("main form button[type=submit]:not([data-save-draft])")

    def states(self, page=None) -> list[str]:
        page = page or self.page
        page.wait_for_selector("#dd-drafts article, #dd-drafts p")
        return page.locator("#dd-drafts article").evaluate_all("cards => cards.map(c => c.dataset.state)")

    def wait_states(self, expected: list[str], page=None, timeout: int = 30_000) -> None:
        page = page or self.page
        page.wait_for_function(
            """expected => {
                const got = [...document.querySelectorAll('#dd-drafts article')].map(c => c.dataset.state).sort();
                return JSON.stringify(got) === JSON.stringify(expected);
            }""",
            arg=sorted(expected),
            timeout=timeout,
        )

    def stored(self, page=None) -> list[dict]:
        page = page or self.page
        return page.evaluate(
            """() => DudaoStore.draftsOf(DudaoShell.userId).then(ds => Promise.all(ds.map(d =>
                   DudaoStore.photos(d.id).then(ps => ({id: d.id, state: d.state, reason: d.reason,
                       visitId: d.visitId, photos: ps.length, photoCount: d.photoCount})))))"""
        )


@pytest.fixture
def photos(tmp_path):
    wide = tmp_path / "矿区全景.png"
    wide.write_bytes(png_bytes(2400, 1200, (40, 120, 200)))
    small = tmp_path / "会议记录.png"
    small.write_bytes(png_bytes(640, 480, (200, 160, 40)))
    return [wide, small]


def test_visit_recorded_offline_survives_a_reload_and_syncs_once(world, browser, photos):
    field = Field(browser)
    field.open_form_for_the_field(world.project)
    page = field.page

    field.offline()
    field.record(
        place="水电硅项目矿区",
        findings=[("blockage", "用地报批材料多次被退回"), ("demand", "希望加快林地审批")],
        photos=photos,
    )
    assert field.states() == ["pending"]
    banner = page.locator("#dd-offline-banner")
    assert banner.is_visible() and "当前没有网络" in banner.inner_text()
    browser.shot(page, "offline-banner-375", full_page=False)

    page.reload()  # offline: the worker serves the drafts page, the device still has the draft
    assert field.states() == ["pending"]
    assert "待同步" in page.inner_text("#dd-drafts")
    [draft] = field.stored()
    assert draft["photos"] == 2 and draft["photoCount"] == 2
    sizes = page.evaluate(
        """id => DudaoStore.photos(id).then(ps => Promise.all(ps.map(p => createImageBitmap(p.blob)
               .then(b => [b.width, b.height, p.blob.type]))))""",
        draft["id"],
    )
    assert sizes == [[1600, 800, "image/jpeg"], [640, 480, "image/jpeg"]]  # longest side 1600
    browser.shot(page, "offline-drafts-375")
    assert SiteVisit.objects.count() == 0

    field.offline(False)
    field.wait_states(["synced"])
    assert not banner.is_visible()
    visit = SiteVisit.objects.get()
    assert str(visit.device_id) == draft["id"] and visit.created_by == world.inspector
    assert list(Finding.objects.filter(visit=visit).values_list("kind", flat=True)) == ["blockage", "demand"]
    assert sorted(VisitAttachment.objects.filter(visit=visit).values_list("device_index", flat=True)) == [0, 1]
    assert field.stored()[0]["photos"] == 0  # uploaded: the device's copies are freed

    page.goto(f"{field.base}/projects/{world.project.pk}/")
    assert "水电硅项目矿区" in page.inner_text("main")
    with page.expect_navigation():
        page.click(f"a[href='/visits/{visit.pk}/']")
    text = page.inner_text("main")
    assert "用地报批材料多次被退回" in text and "希望加快林地审批" in text
    assert page.locator("main img").count() == 2
    browser.shot(page, "offline-synced-visit-375")
