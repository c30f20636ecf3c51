"""Meeting rules, monthly planning (holiday move, attendees, agenda snapshot), reschedule,
decisions that hand off issues."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from accounts.roles import Role
from dispatch import services
from dispatch.forms import MeetingRuleForm
from dispatch.models import Decision, DispatchMeeting, MeetingRule
from issues.models import IssueCategory, IssueStatus
from notifications.models import Notification, NotificationKind
from projects.models import GroupPartnerUnit, ProcedureStage
from tests.factories import IssueFactory, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9):
    return time_machine.travel(dt.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def rule(world):
    return MeetingRule.objects.create(
        group=world.group, kind=MeetingRule.Kind.DAY_OF_MONTH, day_of_month=25, time=dt.time(15, 0), place="三楼会议室"
    )


# --- rules --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", [29, 30, 31, 0])
def test_an_impossible_day_is_refused_by_the_form_with_a_clear_message(world, day):
    form = MeetingRuleForm(
        data={"kind": "day_of_month", "day_of_month": day, "time": "15:00", "place": "会议室"},
        instance=MeetingRule(group=world.group),
    )
    assert not form.is_valid()
    assert "1至28日" in form.errors["day_of_month"][0]


@pytest.mark.django_db
def test_an_impossible_day_is_refused_by_the_service_and_the_database(world):
    with pytest.raises(services.DispatchError) as error:
        services.meeting_rule_save(
            group=world.group,
            actor=world.group_lead,
            kind="day_of_month",
            day_of_month=31,
            time=dt.time(15),
            place="会议室",
        )
    assert error.value.field == "day_of_month"
    assert "每月31日并非每个月都有" in error.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingRule.objects.create(group=world.group, kind="day_of_month", day_of_month=31, time=dt.time(15), place="x")


@pytest.mark.django_db
def test_only_the_group_lead_or_an_admin_changes_the_rule(world):
    kwargs = {"group": world.group, "kind": "last_weekday", "weekday": 3, "time": dt.time(9, 30), "place": "会议室"}
    for outsider in (world.inspector, world.other_inspector, world.leader, world.lead_liaison):
        with pytest.raises(services.DispatchError):
            services.meeting_rule_save(actor=outsider, **kwargs)
    rule = services.meeting_rule_save(actor=world.group_lead, **kwargs)
    assert str(rule) == "每月最后一个星期四 09:30"
    assert services.meeting_rule_save(actor=world.admin, **{**kwargs, "weekday": 4}).weekday == 4


def test_last_weekday_rule_dates():
    rule = MeetingRule(kind=MeetingRule.Kind.LAST_WEEKDAY, weekday=3, time=dt.time(15))
    assert services.rule_date_for_month(rule=rule, month=dt.date(2026, 4, 1)) == dt.date(2026, 4, 30)
    assert services.rule_date_for_month(rule=rule, month=dt.date(2026, 2, 1)) == dt.date(2026, 2, 26)


# --- planning -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_planning_creates_the_meeting_once_with_attendees_and_agenda(world, rule):
    GroupPartnerUnit.objects.create(group=world.group, department=world.assisting_department)
    ProcedureStage.objects.create(
        project=world.project,
        kind="forest_land",
        status="blocked",
        blocked_since=dt.date(2026, 10, 1),
        blockage_note="林地指标未落实",
    )
    common = {"project": world.project, "handed_off_by": world.inspector, "lead_department": world.lead_department}
    red = IssueFactory(
        code="R1",
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 10, 1),
        rectification_deadline=dt.date(2026, 10, 20),
        **common,
    )
    yellow = IssueFactory(
        code="Y1",
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 10, 1),
        rectification_deadline=dt.date(2026, 11, 3),
        **common,
    )
    IssueFactory(
        code="C1",
        status=IssueStatus.CLOSED,
        sign_deadline=dt.date(2026, 10, 1),
        rectification_deadline=dt.date(2026, 10, 20),
        **common,
    )
    IssueFactory(
        code="X1",
        project=world.other_project,
        lead_department=world.other_department,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 10, 1),
        rectification_deadline=dt.date(2026, 10, 20),
    )
    earlier = DispatchMeeting.objects.create(
        group=world.group,
        month=dt.date(2026, 10, 1),
        title="10月调度会",
        starts_at=dt.datetime(2026, 10, 26, 15, tzinfo=SHANGHAI),
        place="x",
    )
    Decision.objects.create(meeting=earlier, text="协调林地指标", created_by=world.group_lead)
    Decision.objects.create(meeting=earlier, text="已办完的", created_by=world.group_lead, is_done=True)

    with at(2026, 11, 1):
        meeting = services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 11, 1))
        assert services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 11, 1)) == meeting

    assert DispatchMeeting.objects.filter(group=world.group, month=dt.date(2026, 11, 1)).count() == 1
    assert meeting.starts_at.astimezone(SHANGHAI) == dt.datetime(2026, 11, 25, 15, tzinfo=SHANGHAI)
    assert {u.username for u in meeting.attendees.all()} == {
        "inspector",
        "grouplead",
        "assist_liaison",
        "leader",
        "lead_liaison",
    }
    assert set(meeting.attending_departments.all()) == {world.assisting_department, world.lead_department}
    agenda = meeting.agenda_snapshot
    assert [row["code"] for row in agenda["issues"]] == ["R1", "Y1"]
    assert [row["light"] for row in agenda["issues"]] == ["red", "yellow"]
    assert agenda["counts"] == {"open": 2, "red": 1, "yellow": 1}
    assert agenda["issues"][0]["id"] == red.pk and agenda["issues"][1]["id"] == yellow.pk
    assert agenda["blockages"][0]["project"] == str(world.project)
    assert agenda["blockages"][0]["stages"][0]["note"] == "林地指标未落实"
    assert [d["text"] for d in agenda["carried_over"]] == ["协调林地指标"]
    scheduled = Notification.objects.filter(kind=NotificationKind.MEETING_SCHEDULED, target_id=meeting.pk)
    assert scheduled.count() == 5
    assert set(scheduled.values_list("period", flat=True)) == {"v1"}


@pytest.mark.django_db
def test_a_meeting_day_on_a_holiday_moves_to_the_next_working_day(world):
    # 1 October 2026 is National Day; the holiday runs to 7 October (a Wednesday).
    MeetingRule.objects.create(group=world.group, kind="day_of_month", day_of_month=1, time=dt.time(9), place="x")
    with at(2026, 10, 1, hour=7):
        meeting = services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 10, 1))
    assert meeting.starts_at.astimezone(SHANGHAI).date() == dt.date(2026, 10, 8)


@pytest.mark.django_db
def test_a_weekend_rule_day_moves_to_monday_and_leaders_can_be_left_out(world):
    MeetingRule.objects.create(
        group=world.group, kind="day_of_month", day_of_month=28, time=dt.time(9), place="x", invite_leaders=False
    )
    with at(2026, 11, 1):
        meeting = services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 11, 1))
    assert meeting.starts_at.astimezone(SHANGHAI).date() == dt.date(2026, 11, 30)  # 28th is a Saturday
    assert not meeting.attendees.filter(username="leader").exists()


@pytest.mark.django_db
def test_no_rule_no_meeting_and_the_task_plans_every_ruled_group(world, rule):
    from dispatch.tasks import plan_meetings

    with at(2026, 11, 1):
        planned = plan_meetings()
    assert len(planned) == 1
    assert not DispatchMeeting.objects.filter(group=world.other_group).exists()


# --- reschedule ---------------------------------------------------------------------------


@pytest.fixture
def meeting(world, rule):
    with at(2026, 11, 1):
        return services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 11, 1))


@pytest.mark.django_db
def test_a_reschedule_into_the_past_is_refused(world, meeting):
    with at(2026, 11, 10):
        with pytest.raises(services.DispatchError) as error:
            services.meeting_reschedule(
                meeting=meeting, actor=world.inspector, starts_at=dt.datetime(2026, 11, 9, 15, tzinfo=SHANGHAI)
            )
    assert error.value.field == "starts_at"
    assert "不能改期到过去" in error.value.message
    meeting.refresh_from_db()
    assert meeting.starts_at.astimezone(SHANGHAI).date() == dt.date(2026, 11, 25)


@pytest.mark.django_db
def test_reminders_follow_the_new_date_after_a_reschedule(world, meeting):
    with at(2026, 11, 18):
        services.meeting_reminders_send()
    assert set(Notification.objects.filter(kind="meeting_reminder").values_list("period", flat=True)) == {
        "2026-11-25T15:00:7d"
    }
    with at(2026, 11, 20):
        services.meeting_reschedule(
            meeting=meeting,
            actor=world.inspector,
            starts_at=dt.datetime(2026, 11, 30, 10, tzinfo=SHANGHAI),
            expected_version=meeting.version,
        )
        # Told at once about the new date…
        assert Notification.objects.filter(kind="meeting_scheduled", period="v2").count() == 3
        # …and the reminder for the old date is not repeated before the new one's day.
        assert services.meeting_reminders_send() == 0
    with at(2026, 11, 23):
        assert services.meeting_reminders_send() == 3  # members and the leader
    periods = set(Notification.objects.filter(kind="meeting_reminder").values_list("period", flat=True))
    assert periods == {"2026-11-25T15:00:7d", "2026-11-30T10:00:7d"}


@pytest.mark.django_db
def test_a_same_day_time_change_is_announced_and_reminded_again(world, meeting):
    with at(2026, 11, 24):
        assert services.meeting_reminders_send() == 3
        services.meeting_reschedule(
            meeting=meeting,
            actor=world.inspector,
            starts_at=dt.datetime(2026, 11, 25, 9, tzinfo=SHANGHAI),
            expected_version=meeting.version,
        )
        assert Notification.objects.filter(kind="meeting_scheduled", period="v2").count() == 3
        assert services.meeting_reminders_send() == 3  # the 1-day reminder, now for 09:00
        assert services.meeting_reminders_send() == 0
    periods = set(Notification.objects.filter(kind="meeting_reminder").values_list("period", flat=True))
    assert periods == {"2026-11-25T15:00:1d", "2026-11-25T09:00:1d"}


@pytest.mark.django_db
def test_a_stale_reschedule_is_refused_and_outsiders_cannot_change_a_meeting(world, meeting):
    with at(2026, 11, 10):
        with pytest.raises(services.DispatchError):
            services.meeting_reschedule(
                meeting=meeting, actor=world.other_inspector, starts_at=dt.datetime(2026, 11, 26, 15, tzinfo=SHANGHAI)
            )
        services.meeting_reschedule(
            meeting=meeting,
            actor=world.inspector,
            starts_at=dt.datetime(2026, 11, 26, 15, tzinfo=SHANGHAI),
            expected_version=1,
        )
        with pytest.raises(services.DispatchError, match="已被他人修改") as caught:
            services.meeting_reschedule(
                meeting=meeting,
                actor=world.group_lead,
                starts_at=dt.datetime(2026, 11, 27, 15, tzinfo=SHANGHAI),
                expected_version=1,
            )
        assert "开始时间（现为：2026-11-26 15:00）" in str(caught.value)


# --- minutes, held, decisions ---------------------------------------------------------------


@pytest.mark.django_db
def test_minutes_attendance_and_held(world, meeting):
    with at(2026, 11, 20):
        with pytest.raises(services.DispatchError, match="尚未开始"):
            services.meeting_mark_held(meeting=meeting, actor=world.inspector, present=[world.inspector])
    with at(2026, 11, 25, hour=17):
        services.meeting_record_minutes(
            meeting=meeting, actor=world.inspector, minutes="通报了逾期问题。", focus_next_month="盯紧林地报批"
        )
        services.meeting_mark_held(
            meeting=meeting, actor=world.group_lead, present=[world.inspector, world.other_liaison]
        )
    meeting.refresh_from_db()
    assert meeting.status == DispatchMeeting.Status.HELD
    assert meeting.minutes == "通报了逾期问题。"
    assert list(meeting.present.all()) == [world.inspector]  # someone not invited is not "present"


@pytest.mark.django_db
def test_a_decision_hands_off_an_issue_linked_to_it(world, meeting):
    decision = services.decision_create(
        meeting=meeting,
        actor=world.inspector,
        text="督促市自然资源局一周内完成用地预审",
        responsible_department=world.lead_department,
        due_on=None,
        hand_off={"project": world.project, "title": "用地预审滞后", "category": IssueCategory.APPROVAL},
    )
    assert decision.issue is not None
    assert decision.issue.title == "用地预审滞后"
    assert decision.issue.lead_department == world.lead_department
    assert decision.issue.decision == decision
    assert Notification.objects.filter(
        kind="issue_handed_off", target_id=decision.issue.pk, recipient=world.lead_liaison
    ).exists()


@pytest.mark.django_db
def test_a_refused_hand_off_leaves_no_decision(world, meeting):
    with pytest.raises(services.DispatchError) as error:
        services.decision_create(
            meeting=meeting,
            actor=world.inspector,
            text="交办",
            responsible_department=world.lead_department,
            hand_off={"project": world.other_project, "category": IssueCategory.APPROVAL},
        )
    assert error.value.field == "project"
    liaison_actor = make_user("some_liaison", Role.LIAISON, department=world.lead_department)
    with pytest.raises(services.DispatchError):
        services.decision_create(meeting=meeting, actor=liaison_actor, text="x")
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_agenda_snapshot_query_count_does_not_grow_with_issues(world, rule):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def plan(month: int) -> int:
        with at(2026, month, 1), CaptureQueriesContext(connection) as queries:
            services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, month, 1))
        return len(queries.captured_queries)

    with at(2026, 9, 1):
        for n in range(2):
            world.hand_off(title=f"少量问题{n}")
    few = plan(9)
    with at(2026, 10, 1):
        for n in range(12):
            world.hand_off(title=f"大量问题{n}")
    assert plan(10) == few
