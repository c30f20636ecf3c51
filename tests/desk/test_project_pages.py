"""Project list and detail: who sees what (404 outside scope), what the page shows, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from issues.models import IssueStatus
from projects.models import FactorGuarantee, ProcedureStage
from tests.factories import FindingFactory, IssueFactory, SiteVisitFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, world):
    for url in (reverse("projects:list"), reverse("projects:detail", args=[world.project.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "sees_project", "sees_other"),
    [
        ("leader", True, True),
        ("admin", True, True),
        ("inspector", True, False),
        ("group_lead", True, False),
        ("authorized_inspector", True, False),
        ("other_inspector", False, True),
        ("lead_liaison", False, False),
        ("assisting_liaison", False, False),
        ("other_liaison", False, False),
    ],
)
def test_list_and_detail_scoped_by_role(client, world, who, sees_project, sees_other):
    client.force_login(getattr(world, who))
    html = client.get(reverse("projects:list")).content.decode()
    assert (world.project.name in html) is sees_project
    assert (world.other_project.name in html) is sees_other
    detail = client.get(reverse("projects:detail", args=[world.project.pk]))
    assert detail.status_code == (200 if sees_project else 404)
    other = client.get(reverse("projects:detail", args=[world.other_project.pk]))
    assert other.status_code == (200 if sees_other else 404)


def test_expired_authorization_gives_no_access(client, world):
    authorization = world.authorized_inspector.authorizations.get()
    authorization.valid_to = timezone.localdate() - dt.timedelta(days=1)
    authorization.valid_from = authorization.valid_to - dt.timedelta(days=10)
    authorization.save()
    client.force_login(world.authorized_inspector)
    assert client.get(reverse("projects:detail", args=[world.project.pk])).status_code == 404


def test_missing_project_is_404(client, world):
    client.force_login(world.leader)
    assert client.get(reverse("projects:detail", args=[999999])).status_code == 404


def test_list_shows_open_and_red_counts(client, world, today):
    IssueFactory(project=world.project, lead_department=world.lead_department)
    IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        sign_deadline=today - dt.timedelta(days=20),
        rectification_deadline=today - dt.timedelta(days=2),
    )
    IssueFactory(project=world.project, lead_department=world.lead_department, status=IssueStatus.CLOSED)
    client.force_login(world.leader)
    response = client.get(reverse("projects:list"))
    row = next(p for p in response.context["projects"] if p.pk == world.project.pk)
    assert row.open_issue_count == 2
    assert row.red_issue_count == 1
    assert row.issue_count == 3


def test_list_filters_by_text_and_stage(client, world):
    client.force_login(world.leader)
    html = client.get(reverse("projects:list"), {"q": "光伏"}).content.decode()
    assert world.other_project.name in html and world.project.name not in html
    html = client.get(reverse("projects:list"), {"stage": "production"}).content.decode()
    assert "没有符合条件的项目" in html


def test_detail_shows_figures_stages_factors_authorizations_groups_and_timeline(client, world, today):
    project = world.project
    project.expected_annual_output = 120
    project.expected_jobs = 3000
    project.land_area_mu = 1500
    project.save()
    ProcedureStage.objects.create(
        project=project,
        kind=ProcedureStage.Kind.FOREST_LAND,
        status=ProcedureStage.Status.BLOCKED,
        started_on=today - dt.timedelta(days=40),
        blocked_since=today - dt.timedelta(days=12),
        blockage_note="林地占用指标未落实",
    )
    FactorGuarantee.objects.create(
        project=project, factor=FactorGuarantee.Factor.ELECTRICITY, status="at_risk", note="220千伏线路未开工"
    )
    visit = SiteVisitFactory(project=project, place="水电硅项目矿区", created_by=world.inspector)
    FindingFactory(visit=visit)
    world.hand_off(title="林地审批久拖不决")
    client.force_login(world.inspector)
    response = client.get(reverse("projects:detail", args=[project.pk]))
    html = response.content.decode()
    for text in (
        "120",
        "3000",
        "1500",
        "林地",
        "受阻",
        "已受阻 12 天",
        "林地占用指标未落实",
        "电",
        "存在困难",
        "220千伏线路未开工",
        world.authorized_inspector.authorizations.get().number,
        "赵特派员",
        world.group.name,
        "李组长",
        "水电硅项目矿区",
        "林地审批久拖不决",
        "记录督导检查",
    ):
        assert text in html, text
    assert response.context["issue_figures"]["open"] == 1


def test_record_visit_button_only_for_inspectors_of_the_project(client, world):
    url = reverse("projects:detail", args=[world.project.pk])
    create = reverse("inspections:create")
    client.force_login(world.leader)
    assert create not in client.get(url).content.decode()
    client.force_login(world.authorized_inspector)
    assert create in client.get(url).content.decode()


def _make_rows(world, count: int, today):
    for index in range(count):
        IssueFactory(
            project=world.project,
            lead_department=world.lead_department,
            rectification_deadline=today - dt.timedelta(days=1) if index % 3 == 0 else today + dt.timedelta(days=30),
            sign_deadline=today - dt.timedelta(days=5) if index % 3 == 0 else today + dt.timedelta(days=3),
        )
        visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
        FindingFactory(visit=visit)


@pytest.mark.parametrize("name", ["projects:list", "projects:detail"])
def test_query_count_is_constant(client, world, today, name, django_assert_num_queries):
    """The same number of queries with 5 issues/visits as with 100."""
    url = reverse(name) if name == "projects:list" else reverse(name, args=[world.project.pk])
    client.force_login(world.inspector)
    _make_rows(world, 5, today)
    client.get(url)  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _make_rows(world, 95, today)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# Measured 12 and 23 (of which ~7 are session, user, roles, audit context, unread badge and the
# working-day cutoff of the traffic light); a little headroom for shared middleware.
@pytest.mark.parametrize(("name", "ceiling"), [("projects:list", 14), ("projects:detail", 25)])
def test_query_count_stays_small(client, world, today, name, ceiling, django_assert_max_num_queries):
    url = reverse(name) if name == "projects:list" else reverse(name, args=[world.project.pk])
    _make_rows(world, 20, today)
    client.force_login(world.inspector)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200
