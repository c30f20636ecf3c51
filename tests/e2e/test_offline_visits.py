"""Site visits recorded with no network, in real Chromium with the service worker: the draft
survives a reload on the device and becomes exactly one visit (findings and photos included)
when the network returns, however the sync is interrupted, repeated or refused.

Screenshots at 375 px (test-artifacts/): the offline banner, the drafts list, a synced visit.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inspections.models import Finding, SiteVisit, VisitAttachment
from tests.e2e.conftest import DEMO_PASSWORD, PHONE
from tests.issues.view_helpers import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _a_connection_per_request():
    """These tests let the service worker run: it fetches pages in the background while the test
    posts drafts, two tabs post at the same instant. Under the live server an in-memory SQLite
    database is one connection shared by every request thread, so those overlapping requests
    break each other's savepoints (and every later test of the process). That is the test
    server's artefact, not a SQLite file's (a connection per thread): they run on PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the offline tests' concurrent requests need a connection per request (PostgreSQL)")


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

    def wait_states(self, expected: list[str], page=None, timeout: int = 60_000) -> None:
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


def test_ten_drafts_queued_offline_sync_to_ten_visits(world, browser):
    field = Field(browser)
    field.open_form_for_the_field(world.project)
    field.offline()
    for number in range(10):
        field.page.goto(field.form_url(world.project))  # from the worker's copy
        field.record(place=f"第{number + 1}处现场", findings=[("difficulty", f"第{number + 1}处的难点")])
    assert field.states() == ["pending"] * 10
    field.offline(False)
    field.wait_states(["synced"] * 10, timeout=60_000)
    visits = SiteVisit.objects.all()
    assert visits.count() == 10
    assert {v.place for v in visits} == {f"第{n}处现场" for n in range(1, 11)}
    assert len({v.device_id for v in visits}) == 10 and Finding.objects.count() == 10


def test_a_sync_cut_in_the_middle_resumes_without_duplicates(world, browser, photos):
    field = Field(browser)
    armed, cut = [], []

    def second_photo(route):
        # The second photo of the first draft reaches the server, then the signal drops before the
        # answer arrives: the device does not know the photo is stored.
        if armed and not cut:
            route.fetch()
            cut.append(route.request.url)
            field.offline()
            route.abort("internetdisconnected")
        else:
            route.continue_()

    # Routed before the service worker starts: a route added later reaches the pages' requests but
    # not always the worker's, and either may send first when the network returns (the pages on
    # their 'online' event, the worker on Background Sync's).
    field.context.route("**/api/v1/visits/*/photos/1/", second_photo)
    field.open_form_for_the_field(world.project)
    field.offline()
    for number in range(3):
        field.page.goto(field.form_url(world.project))
        field.record(place=f"断点续传{number}", findings=[("blockage", "施工便道未打通")], photos=photos)

    armed.append(True)
    field.offline(False)
    field.page.wait_for_function("() => !navigator.onLine", timeout=30_000)
    assert cut, "the sync never reached a second photo"
    field.page.reload()
    assert sorted(field.states()) == ["pending", "pending", "pending"]
    [started] = [d for d in field.stored() if d["visitId"]]
    assert SiteVisit.objects.count() == 1
    assert VisitAttachment.objects.filter(visit_id=started["visitId"]).count() == 2  # both on the server

    field.offline(False)
    field.wait_states(["synced"] * 3, timeout=60_000)
    assert SiteVisit.objects.count() == 3
    for visit in SiteVisit.objects.all():
        assert sorted(visit.attachments.values_list("device_index", flat=True)) == [0, 1]
        assert visit.findings.count() == 1
    assert VisitAttachment.objects.count() == 6


SEND = """() => {
    const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
    window.sent = DudaoStore.draftsOf(DudaoShell.userId)
        .then(drafts => DudaoSync.postVisit(drafts[0], csrf))
        .then(r => r.json().then(body => [r.status, body.id]));
}"""


def test_the_same_draft_from_two_tabs_makes_one_visit(world, browser):
    field = Field(browser)
    field.open_form_for_the_field(world.project)
    field.offline()
    field.record(place="两个标签页", findings=[("expectation", "希望尽快通电"), ("demand", "协调用地")])
    other = field.new_tab()
    other.goto(f"{field.base}/visits/drafts/")
    assert field.states(other) == ["pending"]

    field.offline(False)
    # Both tabs send the draft at once, underneath the device's one-sync-at-a-time lock, while
    # each tab's own sync (started by the 'online' event) runs too.
    field.page.evaluate(SEND)
    other.evaluate(SEND)
    answers = [field.page.evaluate("() => window.sent"), other.evaluate("() => window.sent")]
    field.wait_states(["synced"])
    field.wait_states(["synced"], page=other)
    visit = SiteVisit.objects.get()
    assert {visit_id for _, visit_id in answers} == {visit.pk}
    assert {status for status, _ in answers} <= {200, 201}
    assert visit.findings.count() == 2


def test_an_expired_session_keeps_the_draft_and_it_syncs_after_login(world, browser):
    field = Field(browser)
    field.open_form_for_the_field(world.project)
    field.offline()
    field.record(place="会话过期", findings=[("difficulty", "施工用电不足")])
    field.context.clear_cookies()  # signed out while in the field (idle timeout)
    field.offline(False)
    page = field.page
    # Every trigger (the online event, the worker's Background Sync, the page load) tries again and
    # meets the same 401, so the card passes through 同步中 between tries: wait for it to settle.
    card = page.locator("#dd-drafts article[data-state=pending]:has([data-reason=session])")
    expect(card).to_contain_text("登录已过期")
    field.wait_states(["pending"])
    assert SiteVisit.objects.count() == 0

    field.login("inspector")
    page.goto(f"{field.base}/visits/drafts/")
    field.wait_states(["synced"])
    assert SiteVisit.objects.get().created_by == world.inspector


def test_a_revoked_authorization_refuses_the_draft_and_keeps_it(world, browser, photos):
    field = Field(browser, "special")  # holds a numbered authorization for the project
    field.open_form_for_the_field(world.project)
    field.offline()
    field.record(place="授权到期", findings=[("blockage", "环评批复滞后")], photos=photos[1:])
    world.authorized_inspector.authorizations.update(revoked_at=timezone.now())
    field.offline(False)
    field.wait_states(["failed"])
    text = field.page.inner_text("#dd-drafts")
    assert "同步失败" in text and "督导授权已到期、被撤销" in text
    [draft] = field.stored()
    assert draft["photos"] == 1 and draft["reason"]["code"] == "refused"  # nothing written is lost
    assert SiteVisit.objects.count() == 0
    browser.shot(field.page, "offline-drafts-refused-375")


def test_a_shared_device_keeps_each_users_drafts_apart(world, browser):
    field = Field(browser)
    refuse = lambda route: route.abort("connectionrefused")  # noqa: E731 - the server unreachable
    field.context.route("**/api/v1/visits/", refuse)  # before the worker starts: it sends too
    field.open_form_for_the_field(world.project)
    field.offline()
    field.record(place="共用手机", findings=[("demand", "希望简化审批")])
    field.offline(False)
    page = field.page
    page.wait_for_selector("#dd-drafts [data-reason=network]")

    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    with page.expect_navigation(url=re.compile(r"/accounts/login/")):
        page.evaluate("() => document.querySelector('form[data-dd-logout]').requestSubmit()")
    assert warnings and "1 条离线草稿未同步" in warnings[0]
    field.context.unroute("**/api/v1/visits/", refuse)

    field.login("grouplead")  # a colleague signs in on the same phone
    page.goto(f"{field.base}/visits/drafts/")
    page.wait_for_selector("#dd-drafts p")
    assert "本机没有您的离线草稿" in page.inner_text("#dd-drafts")
    page.wait_for_load_state("networkidle")
    assert SiteVisit.objects.count() == 0  # nor were the first user's drafts sent as his
    with page.expect_navigation(url=re.compile(r"/accounts/login/")):
        page.evaluate("() => document.querySelector('form[data-dd-logout]').requestSubmit()")

    field.login("inspector")
    page.goto(f"{field.base}/visits/drafts/")
    field.wait_states(["synced"])
    assert SiteVisit.objects.get().created_by == world.inspector
