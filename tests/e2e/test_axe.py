"""axe-core (tests/e2e/vendor/axe.min.js, never served) over every page of each role, at 1280 and
375 px, with every action panel (<details>) and every collapsed section open. Fails on any WCAG
2.0/2.1 level A or AA violation, listing rule, page and the first offending elements.

The pages are the demo scenario's (core/management/commands/load_demo.py): each role's home, the
pages its navigation and menus link to, and the pages those link to (the seed's projects, visits,
issues, meetings …) — one page per URL pattern and role, so the walk stays minutes, not hours.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDE = {"width": 1280, "height": 900}
# The six kinds of reader of the demo: leader, group lead, group member, special inspector (one
# authorization), the liaison of a lead department, the administrator.
ROLES = ["leader", "lead_li", "inspector_zhang", "special_zhao", "liaison_zrzy", "admin"]
# Not pages: downloads, POST-only endpoints reached by links in forms, the schema, Django's admin
# (its own UI, checked for language in tests/core, not for layout here).
SKIP_PREFIXES = (
    "/admin/",
    "/i18n/",
    "/jsi18n/",
    "/api/schema/",
    "/api/v1/",
    "/static/",
    "/healthz",
    "/accounts/logout",
)
SKIP_WORDS = ("export", "download", "/file", "/evidence/", "/attachments/", "/photos/", "/letters/", ".docx", ".xlsx")


def page_key(path: str) -> str | None:
    """One page per URL pattern: /issues/12/ and /issues/13/ are the same template."""
    if path.startswith(SKIP_PREFIXES) or any(word in path for word in SKIP_WORDS):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def same_site_links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    links = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base_url:
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def open_everything(page) -> None:
    page.evaluate(
        """() => {
        document.querySelectorAll('details').forEach(d => { d.open = true; });
        document.querySelectorAll('.collapse:not(.navbar-collapse)').forEach(c => c.classList.add('show'));
    }"""
    )


def with_axe(page):
    """axe arrives as an init script (the page's CSP refuses inline script, rightly)."""
    page.context.add_init_script(AXE_SOURCE)
    return page


def axe_violations(page) -> list[dict]:
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def describe(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        targets = [json.dumps(node["target"], ensure_ascii=False) for node in violation["nodes"][:3]]
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes) "
            f"{violation['help']} — {', '.join(targets)}"
            + (f" — {violation['nodes'][0].get('failureSummary', '')[:200]}" if violation["nodes"] else "")
        )
    return lines


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_a_role_passes_axe_wcag_a_and_aa(demo, browser, username, viewport):
    """Walks from the role's home two links deep, one page per view name, running axe on each."""
    page = with_axe(browser.open_as(username, viewport=viewport))
    page.set_default_timeout(60_000)  # a CI machine shared with other jobs is slow, not broken
    seen: dict[str, str] = {"home": "/"}
    frontier = ["/"]
    problems: list[str] = []
    for depth in range(3):
        next_frontier = []
        for path in frontier:
            response = page.goto(browser.base_url + path)
            if response is None or response.status != 200:
                problems.append(f"{path}: answers {response and response.status} to {username}")
                continue
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)  # deferred scripts mark scroll regions, charts draw
            open_everything(page)
            problems += describe(f"{viewport['width']}px {path}", axe_violations(page))
            if depth == 2:
                continue
            for link in same_site_links(page, browser.base_url):
                key = page_key(urlsplit(link).path)
                if key and key not in seen:
                    seen[key] = link
                    next_frontier.append(link)
        frontier = next_frontier
    print(f"\n{username} {viewport['width']}px: {len(seen)} pages", *problems, sep="\n")
    assert len(seen) >= 5, f"only {len(seen)} pages reached: the walk lost its way"
    assert problems == [], f"{len(problems)} WCAG A/AA violations:\n" + "\n".join(problems)


def test_api_docs_pass_axe(demo, browser):
    for viewport in (WIDE, PHONE):
        page = with_axe(browser.open_as("leader", viewport=viewport))
        page.set_default_timeout(60_000)
        response = page.goto(f"{browser.base_url}/api/docs/")
        assert response.status == 200
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        violations = axe_violations(page)
        assert violations == [], "\n".join(describe(f"/api/docs/ {viewport['width']}px", violations))
        page.context.close()
