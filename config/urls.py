"""Root URL configuration: every app's pages, the API, the admin and health checks."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from core import health
from desk.urls import home_patterns, project_patterns, recheck_patterns
from inspections import app_shell

urlpatterns = [
    path("", include(home_patterns)),
    path("accounts/", include("accounts.urls")),
    path("projects/", include(project_patterns)),
    path("visits/", include("inspections.urls")),
    path("issues/", include("issues.urls")),
    path("rechecks/", include(recheck_patterns)),
    path("meetings/", include("dispatch.urls")),
    path("talks/", include("talks.urls")),
    path("clues/", include("clues.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("intake/", include("intake.urls")),
    path("healthz", health.healthz, name="healthz"),
    # the offline app: root scope for the service worker, manifest beside it
    path("sw.js", app_shell.service_worker, name="service-worker"),
    path("manifest.webmanifest", app_shell.web_manifest, name="web-manifest"),
]

admin.site.site_header = "督导系统管理后台"
admin.site.site_title = "督导系统"
admin.site.index_title = "后台数据管理"

if settings.DEBUG:
    pass  # media is private: attachments are served only through permission-checked views

# The product's error pages (core/errors.py): on our layout, in the reader's language, with a way back.
handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
