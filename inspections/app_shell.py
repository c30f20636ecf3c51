"""The installable web app around offline visit capture: the web app manifest and the service worker,
both served from the site root so the worker's scope is the whole site (a script under /static/
could only control /static/). The worker precaches the app shell under a release hash: a new
release (any shell file changed) installs a new cache and drops the old one."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What a phone needs to draw any page and record a visit with no network, in load order.
SHELL_STATIC = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/app.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "js/app.js",
    "js/offline/store.js",
    "js/offline/sync.js",
    "js/offline/shell.js",
    "js/offline/visit-form.js",
    "js/offline/drafts.js",
    "icons/favicon-32.png",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-192.png",
    "icons/icon-maskable-512.png",
)
SW_TEMPLATE = "inspections/sw.js"
THEME_COLOR = "#9e1b1e"  # the header's 党政机关 red (static/css/app.css --dd-red)
BACKGROUND_COLOR = "#f3f4f6"  # the page ground (--dd-ground)


@lru_cache(maxsize=1)
def release_hash() -> str:
    """A hash of every shell file's bytes, their URLs (hashed names in production) and the worker
    itself: it changes exactly when a release changes what the worker serves."""
    if settings.DUDAO_RELEASE:
        return settings.DUDAO_RELEASE
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        digest.update(static(name).encode())
        found = finders.find(name)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    with open(settings.BASE_DIR / "templates" / SW_TEMPLATE, "rb") as handle:
        digest.update(handle.read())
    return digest.hexdigest()[:16]


def field_pages() -> dict[str, str]:
    return {"drafts": reverse("inspections:drafts"), "projects": reverse("projects:list")}


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    """/sw.js: always revalidated, so a new release is found on the next page load."""
    context = {
        "release": release_hash(),
        "shell": json.dumps([static(name) for name in SHELL_STATIC] + [reverse("web-manifest")]),
        "imports": json.dumps([static("js/offline/store.js"), static("js/offline/sync.js")]),
        # not static(""): the manifest storage of production has no entry for the bare prefix
        "static_prefix": json.dumps("/" + settings.STATIC_URL.lstrip("/")),
        "pages": json.dumps(field_pages()),
        "login_path": json.dumps(reverse("accounts:login")),
    }
    response = HttpResponse(
        render_to_string(SW_TEMPLATE, context), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def web_manifest(request):
    """/manifest.webmanifest: name, colours and icons (192, 512, maskable) of the installed app."""

    def icon(name: str, size: int, purpose: str) -> dict:
        return {"src": static(f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}

    manifest = {
        "id": "/",
        "name": _("督导"),
        "short_name": _("督导"),
        "description": _("重大项目专项督导系统：现场检查可离线记录，联网后自动同步。"),
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            icon("icon-192.png", 192, "any"),
            icon("icon-512.png", 512, "any"),
            icon("icon-maskable-192.png", 192, "maskable"),
            icon("icon-maskable-512.png", 512, "maskable"),
        ],
        "shortcuts": [{"name": _("我的离线草稿"), "url": reverse("inspections:drafts")}],
    }
    return HttpResponse(
        json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
