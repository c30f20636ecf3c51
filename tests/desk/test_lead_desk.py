"""The group lead's desk: what waits for the lead of a group (待核验, extension requests, escalated
issues, unread 批示, the next 调度会 and what it lacks), each with a count, and the same counts as
badges in the navigation — one query per count. A lead is a role in a membership: a plain member
of the group, the lead of another group and the leader see none of it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from desk import queues
from dispatch.models import Decision, DispatchMeeting
from issues import services
from issues.models import Issue, IssueStatus
from notifications.models import Notification, NotificationKind
from tests.factories import IssueFactory


def submitted(world, **overrides) -> Issue:
    issue = world.hand_off(**overrides)
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已整改到位。", percent=100)
    return services.issue_submit(issue=issue, actor=world.lead_liaison, note="整改完成。")


def proposed(world, **overrides) -> Issue:
    issue = submitted(world, **overrides)
    return services.issue_propose_close(issue=issue, actor=world.inspector, note="佐证材料齐全，整改属实。")


def pending_extension(world, **overrides) -> Issue:
    issue = world.hand_off(**overrides)
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.extension_request_create(
        issue=issue,
        actor=world.lead_liaison,
        requested_deadline=issue.rectification_deadline + dt.timedelta(days=20),
        reason="需等待省级审批。",
    )
    return issue


def escalated(world, project, department) -> Issue:
    return IssueFactory(
        project=project,
        lead_department=department,
        handed_off_by=world.inspector,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=timezone.localdate() - dt.timedelta(days=40),
        rectification_deadline=timezone.localdate() - dt.timedelta(days=30),
    )


def planned_meeting(group, *, place="", agenda=None) -> DispatchMeeting:
    today = timezone.localdate()
    return DispatchMeeting.objects.create(
        group=group,
        month=today.replace(day=1),
        title=f"{group.name}调度会",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place=place,
        agenda_snapshot=agenda or {},
    )


# The queues' counts for group A's `work` below: one item in each (no talks).
WORK_COUNTS = {
    "to_confirm": 1,
    "to_verify": 1,
    "extensions": 1,
    "escalations": 1,
    "instructions": 1,
    "meeting": 1,
    "talk_followups": 0,
}


@pytest.fixture
def work(world):
    """One item of every queue on group A, and the same on group B (which must not show)."""
    issue = submitted(world)
    proposal = proposed(world, title="供电线路接入迟缓")
    extension_issue = pending_extension(world, title="用地报批延期")
    late = escalated(world, world.project, world.lead_department)
    services.instruction_create(issue=issue, actor=world.leader, text="请组长亲自督办，务必按期销号。")
    meeting = planned_meeting(world.group)
    Decision.objects.create(meeting=meeting, text="督促林地手续。", created_by=world.group_lead)
    # group B's work
    submitted(
        world,
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.lead_department,
        assisting_departments=[],
    )
    escalated(world, world.other_project, world.other_department)
    planned_meeting(world.other_group)
    return {
        "issue": issue,
        "proposal": proposal,
        "extension_issue": extension_issue,
        "late": late,
        "meeting": meeting,
    }


def test_the_leads_home_lists_each_queue_with_its_count(client, world, work):
    client.force_login(world.group_lead)
    response = client.get(reverse("home"))
    lead = response.context["lead"]
    assert lead["counts"] == WORK_COUNTS
    assert [i.pk for i in lead["to_confirm"]] == [work["proposal"].pk]
    assert [i.pk for i in lead["to_verify"]] == [work["issue"].pk]
    assert [e.issue_id for e in lead["extensions"]] == [work["extension_issue"].pk]
    assert [i.pk for i in lead["escalations"]] == [work["late"].pk]
    assert "请组长亲自督办" in lead["instructions"][0].title
    (meeting, gaps), *_ = lead["meetings"]
    assert meeting == work["meeting"]
    assert gaps == ["未定会议地点", "议程未生成快照", "未填写下月督导重点与方式", "1 项决定事项未明确责任单位"]
    html = response.content.decode()
    for key, count in lead["counts"].items():
        assert f'data-queue="{key}">{count}</span>' in html  # the navigation's badge
        assert f'data-count="{key}">{count}</div>' in html  # the desk's figure
    assert 'data-queue="total">6</span>' in html
    assert work["issue"].title in html and "未定会议地点" in html


def test_a_complete_meeting_leaves_the_meeting_queue(client, world, work):
    DispatchMeeting.objects.filter(pk=work["meeting"].pk).update(
        place="三楼会议室", agenda_snapshot={"open_issues": []}, focus_next_month="林地报批"
    )
    Decision.objects.filter(meeting=work["meeting"]).update(responsible_department=world.lead_department)
    client.force_login(world.group_lead)
    lead = client.get(reverse("home")).context["lead"]
    assert lead["counts"]["meeting"] == 0
    assert lead["meetings"] == [(work["meeting"], [])]


def test_the_queues_empty_as_the_work_is_done(client, world, work):
    services.extension_request_decide(issue=work["extension_issue"], actor=world.group_lead, approve=True)
    services.issue_confirm_close(issue=work["proposal"], actor=world.group_lead, note="同意销号")
    Notification.objects.filter(recipient=world.group_lead, kind=NotificationKind.INSTRUCTION).update(
        read_at=timezone.now()
    )
    client.force_login(world.group_lead)
    counts = client.get(reverse("home")).context["lead"]["counts"]
    assert counts["extensions"] == 0 and counts["instructions"] == 0 and counts["to_confirm"] == 0
    assert counts["to_verify"] == 1


def test_a_proposal_the_lead_may_not_confirm_is_not_his_work(client, world):
    """He handed it off (or proposed it): another lead or a leader confirms it."""
    issue = submitted(world, actor=world.group_lead)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="核验属实。")
    assert not queues.to_confirm(user=world.group_lead).exists()


@pytest.mark.parametrize("who", ["inspector", "leader", "lead_liaison", "authorized_inspector"])
def test_who_leads_no_group_has_no_desk_and_no_badges(client, world, work, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("home"))
    assert response.context.get("lead") is None
    html = response.content.decode()
    assert "组长待办" not in html and "data-queue=" not in html


def test_the_lead_of_another_group_sees_only_his_groups_work(client, world, work):
    client.force_login(world.other_inspector)  # lead of group B
    lead = client.get(reverse("home")).context["lead"]
    assert lead["counts"] == {
        "to_confirm": 0,
        "to_verify": 1,
        "extensions": 0,
        "escalations": 1,
        "instructions": 0,
        "meeting": 1,
        "talk_followups": 0,
    }
    assert work["issue"] not in lead["to_verify"]


def test_an_inactive_group_leaves_its_lead_without_a_desk(client, world, work):
    world.group.is_active = False
    world.group.save()
    client.force_login(world.group_lead)
    assert client.get(reverse("home")).context["lead"] is None


def test_each_count_is_one_query(world, work, django_assert_num_queries):
    from issues.alerts import escalation_cutoff

    today = timezone.localdate()
    cutoff = escalation_cutoff(today=today)
    with django_assert_num_queries(len(queues.QUEUES)):
        counts = queues.queue_counts(user=world.group_lead, today=today, cutoff=cutoff)
    assert sum(counts.values()) == 6


def test_the_navigation_costs_a_lead_one_query_per_count_on_every_page(client, world, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("notifications:inbox")
    client.force_login(world.inspector)
    client.get(url)
    with CaptureQueriesContext(connection) as member:
        client.get(url)
    client.force_login(world.group_lead)
    client.get(url)
    with CaptureQueriesContext(connection) as lead:
        html = client.get(url).content.decode()
    assert 'data-queue="to_verify">1</span>' in html
    # Both pay the lead check; the lead pays one query per count and the calendar on top. (The
    # inbox lists each one's own messages: their counts differ by the rows, not the queries.)
    assert len(lead.captured_queries) == len(member.captured_queries) + len(queues.QUEUES) + 1


def test_the_leads_home_runs_a_pinned_number_of_queries_whatever_the_rows(client, world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(world)
    client.force_login(world.group_lead)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for index in range(6):
        issue = submitted(world, title=f"问题{index}")
        services.instruction_create(issue=issue, actor=world.leader, text=f"批示{index}")
        pending_extension(world, title=f"延期{index}")
        escalated(world, world.project, world.lead_department)
    with django_assert_num_queries(len(few.captured_queries)):
        counts = client.get(reverse("home")).context["lead"]["counts"]
    assert counts == {
        "to_confirm": 0,
        "to_verify": 7,
        "extensions": 6,
        "escalations": 6,
        "instructions": 6,
        "meeting": 0,
        "talk_followups": 0,
    }
    assert len(few.captured_queries) == HOME_QUERIES_FOR_A_LEAD


# session, user, audit context (twice), roles, unread badge; the lead check, the calendar behind
# the escalation cutoff and 7 counts; the light's cutoff (once for every list); his groups, the
# meetings and 6 lists (the overdue talk commitments' included); the inspector's projects and
# hand-offs.
HOME_QUERIES_FOR_A_LEAD = 26


def test_an_instruction_notifies_the_lead_of_the_issues_group_and_the_handing_inspector(world, issue):
    services.instruction_create(issue=issue, actor=world.leader, text="限期整改到位。")
    recipients = set(
        Notification.objects.filter(kind=NotificationKind.INSTRUCTION).values_list("recipient__username", flat=True)
    )
    assert recipients == {"grouplead", "inspector", "lead_liaison"}


def test_the_desk_shows_an_escalation_the_day_the_alerts_escalate(client, world):
    from issues.alerts import deadline_alerts_run, escalation_cutoff

    late = IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        handed_off_by=world.inspector,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 6, 1),
        rectification_deadline=dt.date(2026, 6, 10),
    )
    for day, expected in ((dt.date(2026, 6, 16), 0), (dt.date(2026, 6, 17), 1)):
        with time_machine.travel(dt.datetime(2026, day.month, day.day, 9, tzinfo=dt.UTC), tick=False):
            deadline_alerts_run(today=day)
            sent = Notification.objects.filter(kind=NotificationKind.ESCALATION, recipient=world.group_lead).count()
            cutoff = escalation_cutoff(today=day)
            assert queues.escalations(user=world.group_lead, cutoff=cutoff).count() == expected == sent
    assert Notification.objects.filter(kind=NotificationKind.ESCALATION, recipient=world.inspector, target_id=late.pk)
