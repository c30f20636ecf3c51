"""Issue detail: who may see it, what it shows, which action panels each role gets, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services
from tests.factories import FindingFactory, ProgressUpdateFactory, SiteVisitFactory


def detail(issue):
    return reverse("issues:detail", args=[issue.pk])


@pytest.mark.parametrize(
    "who", ["leader", "admin", "inspector", "group_lead", "authorized_inspector", "lead_liaison", "assisting_liaison"]
)
def test_everyone_in_scope_sees_the_issue(client, world, issue, who):
    client.force_login(getattr(world, who))
    response = client.get(detail(issue))
    assert response.status_code == 200
    assert issue.title in response.content.decode()


@pytest.mark.parametrize("who", ["other_inspector", "other_liaison"])
def test_out_of_scope_users_get_404(client, world, issue, who):
    client.force_login(getattr(world, who))
    assert client.get(detail(issue)).status_code == 404


def test_missing_issue_is_404(client, world):
    client.force_login(world.leader)
    assert client.get(reverse("issues:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "who, shown, hidden",
    [
        ("lead_liaison", ["sign"], ["progress", "note", "propose_close", "withdraw", "instruct", "edit"]),
        ("assisting_liaison", ["note"], ["sign", "progress", "withdraw", "instruct"]),
        ("inspector", ["withdraw", "edit"], ["sign", "propose_close", "confirm_close", "instruct", "note"]),
        ("leader", ["instruct"], ["sign", "withdraw", "edit", "note", "reopen"]),
    ],
)
def test_action_panels_follow_the_rules(client, world, issue, who, shown, hidden):
    client.force_login(getattr(world, who))
    body = client.get(detail(issue)).content.decode()
    for action in shown:
        assert reverse("issues:act", args=[issue.pk, action]) in body
    for action in hidden:
        assert reverse("issues:act", args=[issue.pk, action]) not in body
    assert f'name="{shown[0]}-expected_version" value="{issue.version}"' in body


def test_instruction_shown_prominently_and_timeline_lists_every_event_with_actor(client, world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.instruction_create(issue=issue, actor=world.leader, text="请市自然资源局三日内拿出整改方案")
    client.force_login(world.lead_liaison)
    response = client.get(detail(issue))
    body = response.content.decode()
    assert body.index("请市自然资源局三日内拿出整改方案") < body.index("问题描述")  # above the issue itself
    events = response.context["events"]
    assert [event.action for event in events] == ["hand_off", "sign", "instruction"]
    timeline = body[body.index('data-testid="timeline"') :]
    for name in ("张督导", "刘联络员", "陈书记"):
        assert name in timeline
    assert "已交办 → 整改中" in timeline


def test_source_visit_and_finding_linked(client, world):
    visit = SiteVisitFactory(project=world.project, place="矿区现场", created_by=world.inspector)
    finding = FindingFactory(visit=visit, text="企业反映供电线路迟迟未接入")
    issue = world.hand_off(source_finding=finding)
    client.force_login(world.inspector)
    body = client.get(detail(issue)).content.decode()
    assert reverse("inspections:detail", args=[visit.pk]) in body
    assert "企业反映供电线路迟迟未接入" in body


def _detail_queries(client, world, count: int) -> int:
    issue = world.hand_off()
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    for n in range(count):
        ProgressUpdateFactory(issue=issue, author=world.lead_liaison, department=world.lead_department, percent=n % 100)
        services.instruction_create(issue=issue, actor=world.leader, text=f"批示{n}") if n < 3 else None
    client.force_login(world.inspector)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail(issue))
    assert response.status_code == 200
    assert len(response.context["updates"]) == count
    return len(queries)


# session, user, roles, issue, role checks, extensions, assisting, instructions, updates + evidence,
# events, 回头看, working days left, unread badge, the navigation's lead check, pghistory: none grows
# with the rows. (No session save: the idle timeout rewrites the session at most once a minute, and
# login counts as activity.)
DETAIL_QUERIES = 19


@pytest.mark.parametrize("count", [5, 100])
def test_detail_query_count_is_constant(client, world, count):
    assert _detail_queries(client, world, count) == DETAIL_QUERIES
