"""Role fixtures shared by every test: one world with an owner, a team member and outsiders.

`world` holds: two projects (A followed by group A, B by group B), a leader, an admin, the
inspector and the group lead of group A, an inspector of group B, an inspector holding only an
authorization for project A, and liaisons of the lead, an assisting and an unrelated department.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from issues import services
from issues.models import Issue, IssueCategory
from projects.models import GroupMembership, Project, SupervisionGroup
from tests.factories import (
    AuthorizationFactory,
    DepartmentFactory,
    MembershipFactory,
    ProjectFactory,
    SupervisionGroupFactory,
    make_user,
)

BROWSER_PATH = os.environ.get("DUDAO_CHROMIUM", "/usr/bin/chromium")


def _require(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0", "false", "False")


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium. Without it they are skipped with the reason, unless CI set
    DUDAO_REQUIRE_BROWSER, which turns the missing browser into a failure. Everything under
    tests/e2e/ is a browser test."""
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if os.path.exists(BROWSER_PATH) or shutil.which("chromium"):
        return
    if _require("DUDAO_REQUIRE_BROWSER"):
        return  # the browser fixture fails loudly instead
    skip = pytest.mark.skip(reason=f"Chromium not found at {BROWSER_PATH}: install Debian's 'chromium' package")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _services_required(django_db_setup, django_db_blocker):
    """CI runs against PostgreSQL; a silent fallback to SQLite would hide real-database bugs."""
    from django.db import connection

    if _require("DUDAO_REQUIRE_SERVICES") and connection.vendor != "postgresql":
        pytest.exit("DUDAO_REQUIRE_SERVICES is set but the suite is running on SQLite: set DATABASE_URL", 3)
    yield


@pytest.fixture
def versioned_cache(settings):
    """Caches keyed by the committed data version (core/dataversion.py) switched on, around a
    clear cache. For transactional tests on PostgreSQL: nothing commits otherwise, and SQLite
    keeps no data version."""
    from django.core.cache import cache
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the data version is kept by PostgreSQL triggers; SQLite always computes")
    settings.DUDAO_CACHE_BY_DATA_VERSION = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _throttles_start_empty():
    """The login and API throttles count in the shared cache: one test's failures must not slow the next."""
    from django.core.cache import caches

    caches["shared"].clear()


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request in English leaves English active in the thread (LocaleMiddleware activates, nothing
    deactivates): the next test would run in English."""
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@dataclass
class World:
    project: Project
    other_project: Project
    group: SupervisionGroup
    other_group: SupervisionGroup
    lead_department: Department
    assisting_department: Department
    other_department: Department
    leader: User
    admin: User
    inspector: User
    group_lead: User
    other_inspector: User
    authorized_inspector: User
    lead_liaison: User
    assisting_liaison: User
    other_liaison: User

    def hand_off(self, **overrides) -> Issue:
        values = {
            "actor": self.inspector,
            "project": self.project,
            "title": "审批窗口推诿扯皮",
            "description": "企业反映用地报批材料多次被退回，未一次性告知。",
            "category": IssueCategory.WORK_STYLE,
            "lead_department": self.lead_department,
            "assisting_departments": [self.assisting_department],
        }
        values.update(overrides)
        return services.issue_hand_off(**values)

    def retitle(self, issue: Issue, title: str, *, actor: User | None = None) -> Issue:
        """An edit of the issue's title alone, at the version it has now (issues.services.issue_edit)."""
        issue.refresh_from_db()
        return services.issue_edit(
            issue=issue,
            actor=actor or self.inspector,
            expected_version=issue.version,
            title=title,
            description=issue.description,
            category=issue.category,
            severity=issue.severity,
            sign_deadline=issue.sign_deadline,
            rectification_deadline=issue.rectification_deadline,
        )


@pytest.fixture
def world(db) -> World:
    lead_department = DepartmentFactory(name="市自然资源和规划局", short_name="市自然资源局")
    assisting_department = DepartmentFactory(name="市林业和草原局", short_name="市林草局")
    other_department = DepartmentFactory(name="市生态环境局", short_name="市生态环境局")
    project = ProjectFactory(name="水电硅一体化项目")
    other_project = ProjectFactory(name="旗滨光伏玻璃项目")
    group = SupervisionGroupFactory(name="水电硅项目专项督导组")
    group.projects.add(project)
    other_group = SupervisionGroupFactory(name="光伏玻璃项目专项督导组")
    other_group.projects.add(other_project)

    inspector = make_user("inspector", Role.INSPECTOR, full_name="张督导")
    group_lead = make_user("grouplead", Role.INSPECTOR, full_name="李组长")
    other_inspector = make_user("other_inspector", Role.INSPECTOR, full_name="王督导")
    authorized_inspector = make_user("special", Role.INSPECTOR, full_name="赵特派员")
    MembershipFactory(group=group, user=inspector)
    MembershipFactory(group=group, user=group_lead, role=GroupMembership.Role.LEAD)
    MembershipFactory(group=other_group, user=other_inspector, role=GroupMembership.Role.LEAD)
    AuthorizationFactory(inspector=authorized_inspector, project=project)

    return World(
        project=project,
        other_project=other_project,
        group=group,
        other_group=other_group,
        lead_department=lead_department,
        assisting_department=assisting_department,
        other_department=other_department,
        leader=make_user("leader", Role.LEADER, full_name="陈书记"),
        admin=make_user("admin", Role.ADMIN, is_superuser=True, is_staff=True, full_name="管理员"),
        inspector=inspector,
        group_lead=group_lead,
        other_inspector=other_inspector,
        authorized_inspector=authorized_inspector,
        lead_liaison=make_user("lead_liaison", Role.LIAISON, department=lead_department, full_name="刘联络员"),
        assisting_liaison=make_user(
            "assist_liaison", Role.LIAISON, department=assisting_department, full_name="周联络员"
        ),
        other_liaison=make_user("other_liaison", Role.LIAISON, department=other_department, full_name="吴联络员"),
    )


@pytest.fixture
def issue(world) -> Issue:
    return world.hand_off()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def pytest_configure(config):
    # pytest-django's live_server runs in a thread; Playwright's sync API runs an event loop in
    # the test thread, which Django would otherwise refuse to touch the ORM from.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
