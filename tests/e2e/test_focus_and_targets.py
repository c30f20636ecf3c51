"""Keyboard focus, tap targets, scroll regions, the English header and the error pages, measured in
Chromium. Screenshots for a person to look at land in test-artifacts/ (a11y-*.png)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _contrast(page, foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS colours, computed in the page (the same formula as axe)."""
    return page.evaluate(
        """([a, b]) => {
        const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    }""",
        [foreground, background],
    )


def _focus_ring(page) -> dict:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return {width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor,
                tag: document.activeElement.tagName, text: document.activeElement.textContent.trim()}; }"""
    )


def test_focus_ring_is_2px_and_3_to_1_on_the_red_header_and_on_a_form(browser, world):
    page = browser.open_as(world.inspector.username, viewport=WIDE)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")  # 工作台
    ring = _focus_ring(page)
    assert ring["tag"] == "A" and ring["width"] == "2px" and ring["style"] == "solid", ring
    # the header's darkest red is behind the ring
    assert _contrast(page, ring["color"], "rgb(122, 20, 22)") >= 3
    assert _contrast(page, ring["color"], "rgb(158, 27, 30)") >= 3
    browser.shot(page, "a11y-focus-header", full_page=False)

    page.goto(f"{browser.base_url}/visits/new/?project={world.project.pk}")
    page.focus("input[name=place]")
    ring = _focus_ring(page)
    assert ring["width"] == "2px" and ring["style"] == "solid"
    assert _contrast(page, ring["color"], "rgb(255, 255, 255)") >= 3  # the card
    assert _contrast(page, ring["color"], "rgb(243, 244, 246)") >= 3  # the page ground
    page.locator("input[name=place]").scroll_into_view_if_needed()
    browser.shot(page, "a11y-focus-form", full_page=False)


def test_failed_submit_moves_focus_to_the_error_summary(browser, world):
    page = browser.open_as(world.inspector.username, viewport=PHONE)
    page.goto(f"{browser.base_url}/visits/new/?project={world.project.pk}")
    page.click("button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    focused = page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert focused, page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    summary = page.locator("[data-error-summary]")
    assert "提交未成功" in summary.inner_text()
    first_link = summary.locator("a").first
    target = first_link.get_attribute("href")
    assert target.startswith("#") and page.locator(target).count() == 1  # each error links to its field
    browser.shot(page, "a11y-error-summary-phone", full_page=False)


def test_visit_form_tap_targets_are_at_least_44px(browser, world):
    page = browser.open_as(world.inspector.username, viewport=PHONE)
    page.goto(f"{browser.base_url}/visits/new/?project={world.project.pk}")
    small = page.evaluate(
        """() => {
        const form = document.querySelector('form.dd-touch-form');
        const targets = [...form.querySelectorAll('button, .btn, input:not([type=hidden]), select, textarea, .form-check')];
        return targets.filter(el => el.offsetParent !== null)
          .map(el => { const box = el.closest('.form-check') || el; const r = box.getBoundingClientRect();
                       return {html: el.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
          .filter(t => t.h < 44 || t.w < 44);
    }"""
    )
    assert small == [], small


def test_wide_table_on_a_phone_is_a_named_focusable_region_with_a_hint(browser, world):
    world.hand_off()
    page = browser.open_as(world.leader.username, viewport=PHONE)
    page.goto(f"{browser.base_url}/summaries/")
    page.wait_for_load_state("networkidle")
    regions = page.evaluate(
        """() => [...document.querySelectorAll('.table-responsive')]
        .filter(r => r.scrollWidth > r.clientWidth)
        .map(r => ({tabindex: r.getAttribute('tabindex'), role: r.getAttribute('role'),
                    label: r.getAttribute('aria-label'),
                    hint: r.previousElementSibling && r.previousElementSibling.classList.contains('dd-scroll-hint')
                          && r.previousElementSibling.offsetHeight > 0}))"""
    )
    assert regions, "no table overflows at 375 px: the check proves nothing"
    for region in regions:
        assert region["tabindex"] == "0" and region["role"] == "region" and region["label"] and region["hint"], region


def test_english_header_fits_one_line_at_1280(browser, world):
    page = browser.open_as(world.leader.username, viewport=WIDE)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser.base_url}])
    page.goto(browser.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    tops = page.evaluate(
        """() => [...document.querySelectorAll('.dd-header .navbar-brand, .dd-header .nav-link')]
        .map(el => Math.round(el.getBoundingClientRect().top))"""
    )
    height = page.evaluate("document.querySelector('.dd-header nav').getBoundingClientRect().height")
    overflow = page.evaluate(
        """() => { const box = document.querySelector('.dd-header .container-xl').getBoundingClientRect();
        const right = Math.max(...[...document.querySelectorAll('.dd-header .nav-link')]
            .map(el => el.getBoundingClientRect().right));
        return Math.round(right - (box.right - 12)); }"""
    )
    browser.shot(page, "a11y-header-english-1280", full_page=False)
    assert height < 80 and max(tops) - min(tops) <= 12, (height, tops)
    assert overflow <= 0, f"the header's last item sticks out {overflow}px past its container"


def test_404_page_and_the_dashboard_on_a_phone(browser, world):
    world.hand_off()
    page = browser.open_as(world.leader.username, viewport=PHONE)
    response = page.goto(f"{browser.base_url}/issues/987654/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    assert page.get_by_role("link", name="返回工作台").is_visible()
    browser.shot(page, "a11y-404-phone")

    page.goto(f"{browser.base_url}/dashboard/")
    page.wait_for_selector("#chart-lights[data-rendered='1'] canvas")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # the charts' figures are there for screen readers, as tables
    assert page.locator("table.visually-hidden caption").count() == 4
    browser.shot(page, "a11y-dashboard-phone")
