"""The home page (工作台) shows each role its own work; the profile shows roles and groups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from issues import services
from issues.models import IssueStatus
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def test_inspector_sees_own_projects_and_handoffs_by_light(client, world, today):
    green = world.hand_off(title="绿灯问题")
    red = world.hand_off(title="红灯问题")
    type(red).objects.filter(pk=red.pk).update(
        sign_deadline=today - dt.timedelta(days=20), rectification_deadline=today - dt.timedelta(days=3)
    )
    response = home(client, world.inspector)
    section = response.context["inspector"]
    assert [p.name for p in section["projects"]] == [world.project.name]
    assert section["projects"][0].open_issue_count == 2
    assert section["projects"][0].red_issue_count == 1
    assert [i.pk for i in section["handoffs_by_light"]["red"]] == [red.pk]
    assert [i.pk for i in section["handoffs_by_light"]["green"]] == [green.pk]
    html = response.content.decode()
    assert "我督导的项目" in html and "绿灯问题" in html and "红灯问题" in html
    assert world.other_project.name not in html
    assert "liaison" not in response.context and "leader" not in response.context


def test_other_inspector_does_not_see_these_handoffs(client, world):
    world.hand_off(title="只属于水电硅项目的问题")
    html = home(client, world.other_inspector).content.decode()
    assert "只属于水电硅项目的问题" not in html
    assert world.other_project.name in html


def test_liaison_sees_to_sign_overdue_returned_and_in_progress(client, world, today):
    to_sign = world.hand_off(title="待签收的问题")
    in_progress = world.hand_off(title="整改中的问题")
    services.issue_sign(issue=in_progress, actor=world.lead_liaison)
    returned = world.hand_off(title="被退回的问题")
    services.issue_sign(issue=returned, actor=world.lead_liaison)
    services.issue_submit(issue=returned, actor=world.lead_liaison, note="已整改")
    services.issue_return(issue=returned, actor=world.inspector, reason="佐证不足")
    overdue = IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        title="逾期的问题",
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=today - dt.timedelta(days=30),
        rectification_deadline=today - dt.timedelta(days=2),
    )
    IssueFactory(project=world.other_project, lead_department=world.other_department, title="别的部门的问题")

    response = home(client, world.lead_liaison)
    section = response.context["liaison"]
    assert [i.pk for i in section["to_sign"]] == [to_sign.pk]
    assert [i.pk for i in section["overdue"]] == [overdue.pk]
    assert [i.pk for i in section["returned"]] == [returned.pk]
    assert {i.pk for i in section["in_progress"]} == {in_progress.pk, returned.pk, overdue.pk}
    html = response.content.decode()
    assert "别的部门的问题" not in html
    assert "市自然资源局 的整改任务" in html or "市自然资源局的整改任务" in html


def test_assisting_liaison_sees_assisted_issues_separately(client, world):
    world.hand_off(title="协办的问题")
    response = home(client, world.assisting_liaison)
    section = response.context["liaison"]
    assert [i.title for i in section["assisting"]] == ["协办的问题"]
    assert section["to_sign"] == []
    assert "本单位牵头整改的问题目前都已办结" in response.content.decode()


def test_unrelated_liaison_sees_nothing(client, world):
    world.hand_off(title="不相关的问题")
    html = home(client, world.other_liaison).content.decode()
    assert "不相关的问题" not in html


def test_leader_sees_figures_and_links_to_dashboard_and_summary(client, world, today):
    world.hand_off()
    IssueFactory(
        project=world.other_project,
        lead_department=world.other_department,
        sign_deadline=today - dt.timedelta(days=30),
        rectification_deadline=today - dt.timedelta(days=1),
        title="逾期未整改",
    )
    response = home(client, world.leader)
    figures = response.context["leader"]["figures"]
    assert figures["open"] == 2 and figures["red"] == 1
    html = response.content.decode()
    month = response.context["leader"]["summary_month"]
    assert reverse("reports:dashboard") in html
    assert reverse("reports:summary", args=[month]) in html
    assert "逾期未整改" in html
    assert reverse("admin:index") not in html  # the leader is not staff


def test_admin_gets_admin_link(client, world):
    html = home(client, world.admin).content.decode()
    assert reverse("admin:index") in html


def test_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    html = home(client, UserFactory(username="nobody")).content.decode()
    assert "尚未分配角色" in html


def test_navbar_links_follow_roles(client, world):
    html = home(client, world.lead_liaison).content.decode()
    assert reverse("issues:ledger") in html
    assert reverse("projects:list") not in html
    assert reverse("reports:dashboard") not in html
    html = home(client, world.inspector).content.decode()
    for name in ("projects:list", "issues:ledger", "dispatch:meeting_list", "reports:dashboard", "notifications:inbox"):
        assert reverse(name) in html
    assert reverse("accounts:logout") in html and 'action="/i18n/setlang/"' in html
    assert html.count('aria-current="page"') == 1  # 工作台 is marked as the current page


@pytest.mark.parametrize("who", ["inspector", "lead_liaison", "leader"])
def test_home_query_count_does_not_grow(client, world, today, who, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = getattr(world, who)
    client.force_login(user)
    for _ in range(3):
        world.hand_off()
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for index in range(30):
        issue = world.hand_off(title=f"问题{index}")
        if index % 2:
            services.issue_sign(issue=issue, actor=world.lead_liaison)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


def test_profile_shows_roles_department_groups_and_authorizations(client, world):
    client.force_login(world.group_lead)
    html = client.get(reverse("profile")).content.decode()
    assert "督导组成员" in html and world.group.name in html and "组长" in html
    client.force_login(world.authorized_inspector)
    html = client.get(reverse("profile")).content.decode()
    assert world.authorized_inspector.authorizations.get().number in html and "有效" in html
    client.force_login(world.lead_liaison)
    html = client.get(reverse("profile")).content.decode()
    assert "部门联络员" in html and world.lead_liaison.department.display_name in html  # the one on-screen name rule
