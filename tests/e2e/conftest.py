"""Real Chromium (Debian's) driven by Playwright against pytest-django's live_server.

Screenshots land in test-artifacts/ (git-ignored) so a person can look at the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import BROWSER_PATH

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
DEMO_PASSWORD = "pass-Dudao-2026"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Without it, context.set_offline() cuts the pages but not the service worker's own fetches (its
# Background Sync would reach the server "offline"); read by Playwright's driver when it starts.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(BROWSER_PATH):
        pytest.fail(f"DUDAO_REQUIRE_BROWSER is set but Chromium is missing at {BROWSER_PATH}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=BROWSER_PATH,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Browser:
    """One logged-in browser context per user, with screenshot helpers."""

    def __init__(self, chromium, base_url: str):
        self.chromium = chromium
        self.base_url = base_url
        self.contexts = []

    def open_as(self, username: str, *, viewport=DESKTOP, password: str = DEMO_PASSWORD):
        # Service workers only where a test is about them (test_offline_visits.py opens its own
        # contexts): a worker's background fetches race the test's own requests, and on SQLite the
        # live server's threads share one in-memory connection, whose savepoints they then break.
        context = self.chromium.new_context(
            viewport=viewport, locale="zh-CN", accept_downloads=True, service_workers="block"
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{self.base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")  # the header holds a language-switch button too
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url, f"login failed for {username}"
        return page

    def anonymous(self, *, viewport=DESKTOP):
        context = self.chromium.new_context(viewport=viewport, locale="zh-CN", service_workers="block")
        self.contexts.append(context)
        return context.new_page()

    @staticmethod
    def shot(page, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium, live_server):
    session = Browser(chromium, live_server.url)
    yield session
    session.close()
