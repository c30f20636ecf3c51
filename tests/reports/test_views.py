"""Dashboard and summary pages: who may read them, constant query counts, drill-down links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues.models import IssueStatus
from projects.models import ProcedureStage
from reports.figures import ReportScope, current_month, dashboard_figures, dashboard_scope_for, monthly_figures
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def _populate(world, n: int) -> None:
    """n issues in varied states across both projects and departments, this month and earlier."""
    today = timezone.localdate()
    statuses = [
        IssueStatus.HANDED_OFF,
        IssueStatus.IN_PROGRESS,
        IssueStatus.SUBMITTED,
        IssueStatus.CLOSED,
        IssueStatus.WITHDRAWN,
    ]
    for i in range(n):
        handed = timezone.now() - dt.timedelta(days=(i * 7) % 300)
        deadline = today + dt.timedelta(days=(i % 9) - 4)
        IssueFactory(
            project=world.project if i % 3 else world.other_project,
            lead_department=world.lead_department if i % 2 else world.other_department,
            handed_off_at=handed,
            sign_deadline=min(handed.date(), deadline),
            rectification_deadline=deadline,
            status=statuses[i % len(statuses)],
            return_count=i % 3,
        )
    ProcedureStage.objects.get_or_create(
        project=world.project,
        kind="land_approval",
        defaults={"status": "blocked", "blocked_since": today - dt.timedelta(days=30), "blockage_note": "征地未完成"},
    )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


# The figures alone, pinned exactly. The whole city's (a leader's dashboard, the city's live
# summary) read its coarse rollup rows in one statement (reports.figures._city_read), the days of
# the month's closures among them (the working days to close). Dashboard: 1 read of holiday
# overrides (the due-soon day), the city's rows, the oldest overdue deadlines of the departments
# whose oldest is a month or a quarter back, projects count, the top projects with their red
# issues, the working-day calendar of the 红黑榜, the blockage board's projects, then their stages
# (8; 9 before the city's rows, 8 before the closures' days were kept, 7 before the board read its
# projects first). Live summary: the city's rows (core, departments,
# categories, late sign-for, closures' days), projects, the overdue list, the oldest overdue
# deadlines, the calendar, blocked stages, visits, decisions, meetings, the campaign's rollup rows
# (clues.rollup; its clues and their people before), talks (11; 12 before the clue rollup, 16
# before the issue rollup). A scoped reader (a group, an inspector) sums its projects' rows: 10
# and 16.
DASHBOARD_FIGURE_QUERIES = 8
SUMMARY_FIGURE_QUERIES = 11
SCOPED_DASHBOARD_FIGURE_QUERIES = 10
SCOPED_SUMMARY_FIGURE_QUERIES = 16


@pytest.mark.parametrize("n", [10, 120])
def test_figures_query_counts_are_pinned(world, n, django_assert_num_queries):
    _populate(world, n)
    scope = dashboard_scope_for(user=world.leader)
    with django_assert_num_queries(DASHBOARD_FIGURE_QUERIES):
        dashboard_figures(scope=scope)
    with django_assert_num_queries(SUMMARY_FIGURE_QUERIES):
        monthly_figures(month=current_month(), scope=ReportScope(key="all", label="全市"))


def test_pages_run_the_same_queries_for_10_and_many_issues(client, world):
    """The whole request (session, middleware included) does not grow with the data."""
    client.force_login(world.leader)
    urls = [reverse("reports:dashboard"), reverse("reports:summary", kwargs={"month": current_month()})]
    _populate(world, 10)
    small = [_count(client, url) for url in urls]
    _populate(world, 150)
    assert [_count(client, url) for url in urls] == small


def test_summary_url_is_zero_padded(client, world):
    assert reverse("reports:summary", kwargs={"month": "2026-03"}) == "/summaries/2026-03/"
    client.force_login(world.leader)
    assert client.get("/summaries/2026-3/").status_code == 404
    assert client.get("/summaries/2026-13/").status_code == 404
    future = current_month().next()
    assert client.get(f"/summaries/{future}/").status_code == 404


def test_pages_need_a_reader(client, world):
    month = current_month()
    for user, expected in ((world.leader, 200), (world.inspector, 200), (world.lead_liaison, 404)):
        client.force_login(user)
        assert client.get(reverse("reports:dashboard")).status_code == expected
        assert client.get(reverse("reports:summary", kwargs={"month": month})).status_code == expected
    client.logout()
    anonymous = client.get(reverse("reports:dashboard"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


def test_inspector_cannot_pick_another_groups_summary(client, world):
    IssueFactory(project=world.other_project)
    client.force_login(world.inspector)
    url = reverse("reports:summary", kwargs={"month": current_month()})
    # Not found, as in the API: never another scope's figures under the asked-for name.
    assert client.get(url, {"scope": f"group-{world.other_group.pk}"}).status_code == 404
    assert client.get(url, {"scope": "all"}).status_code == 404
    own = client.get(url)
    assert own.context["scope"].group_id == world.group.pk
    assert own.context["figures"]["core"]["handed_off"] == 0  # the other group's issue is not counted


def test_dashboard_links_drill_down_to_the_ledger(client, world):
    _populate(world, 10)
    client.force_login(world.leader)
    response = client.get(reverse("reports:dashboard"))
    body = response.content.decode()
    assert 'href="/issues/?light=red"' in body
    assert 'id="dashboard-data"' in body and "<script>" not in body.replace("<script src=", "")
    charts = response.context["charts"]
    assert charts["lights"][0]["url"] == "/issues/?light=red"
    assert charts["trend"][-1]["handed_off_url"] == f"/issues/?month={current_month()}&withdrawn=0"
    assert "红黑榜" in body and "征地未完成" in body


@pytest.mark.parametrize(
    ("role", "wanted", "expected"),
    [
        ("leader", None, "all"),
        ("leader", "all", "all"),
        ("leader", "group", "group"),
        ("inspector", None, "group"),
        ("inspector", "group", "group"),
        ("inspector", "all", None),  # the city is for leaders: not found, not the group instead
        ("inspector", "other_group", None),
        ("leader", "group-999999", None),
        ("leader", "nonsense", None),
        ("leader", "", None),
    ],
)
def test_page_exports_and_api_pick_the_same_summary_scope(client, world, role, wanted, expected):
    from rest_framework.authtoken.models import Token

    keys = {"group": f"group-{world.group.pk}", "other_group": f"group-{world.other_group.pk}"}
    month = current_month()
    query = {} if wanted is None else {"scope": keys.get(wanted, wanted)}
    user = getattr(world, role)
    client.force_login(user)
    page = client.get(reverse("reports:summary", kwargs={"month": month}), query)
    docx = client.get(reverse("reports:summary_docx", kwargs={"month": month}), query)
    token = Token.objects.create(user=user)
    api = client.get(f"/api/v1/summaries/{month}/", query, HTTP_AUTHORIZATION=f"Token {token.key}")
    if expected is None:
        assert (page.status_code, docx.status_code, api.status_code) == (404, 404, 404)
    else:
        key = keys.get(expected, expected)
        assert (page.status_code, docx.status_code, api.status_code) == (200, 200, 200)
        assert page.context["scope"].key == key and api.json()["scope"]["key"] == key
        # the export link offers the background job for the same scope (it builds nothing itself)
        assert dict(docx.context["fields"])["scope"] == key


def test_ledger_links_follow_the_script_prefix_and_the_url_conf(settings):
    """reports.figures.ledger_url reverses the ledger's path once per prefix and URL conf (the
    summary page links 400 rows): a deployment under a sub-path and a changed URL conf still get
    their own path."""
    from django.urls import clear_url_caches, get_script_prefix, set_script_prefix

    from reports.figures import ledger_url

    assert ledger_url(light="red", project=3) == "/issues/?light=red&project=3"
    before = get_script_prefix()
    set_script_prefix("/dudao/")
    try:
        assert ledger_url(light="red", status="") == "/dudao/issues/?light=red"  # empty filters left out
    finally:
        set_script_prefix(before)
    assert ledger_url() == "/issues/"
    settings.ROOT_URLCONF = "tests.reports.ledger_elsewhere_urls"
    clear_url_caches()
    assert ledger_url(month="2026-12") == "/elsewhere/ledger/?month=2026-12"
