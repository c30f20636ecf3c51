"""No page shown to a role links to a page that answers that role 403 or 404. Walks the links of the
demo scenario from each role's home, two links deep (one page per view name and set of query keys),
with the Django test client: every link followed must answer below 400."""

from __future__ import annotations

import re
from html import unescape
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

ROLES = ["leader", "lead_li", "inspector_zhang", "special_zhao", "liaison_zrzy", "liaison_yl", "admin"]
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"', re.I)
# not pages of the product: the admin (its own app), the logout and language forms' targets, files
SKIP = ("/admin/", "/i18n/", "/jsi18n/", "/static/", "/accounts/logout")


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


def _key(url: str) -> tuple | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
        return None
    try:
        view = resolve(parts.path).view_name
    except Resolver404:
        return ("unresolvable", parts.path)
    keys = tuple(sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair))
    return (view, keys)


@pytest.mark.parametrize("username", ROLES)
def test_no_link_answers_its_reader_403_or_404(demo, client, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    seen: dict[tuple, str] = {}
    dead: list[str] = []
    frontier = [("/", "(home)")]
    for depth in range(3):
        next_frontier = []
        for url, found_on in frontier:
            response = client.get(url)
            if response.status_code >= 400:
                dead.append(f"{url} answers {response.status_code} (linked from {found_on})")
                continue
            if depth == 2 or "text/html" not in response.get("Content-Type", ""):
                continue
            for href in HREF.findall(response.content.decode()):
                link = unescape(href)
                key = _key(link)
                if key and key not in seen:
                    seen[key] = link
                    next_frontier.append((link, url))
        frontier = next_frontier
    assert len(seen) >= 5, f"{username} reached only {len(seen)} pages"
    assert dead == [], f"{username}:\n" + "\n".join(dead)
