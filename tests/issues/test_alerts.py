"""Deadline alerts and meeting reminders over a whole month, day by day: exactly which
notifications exist after each day, nothing new on a rerun, and a skipped day caught up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dispatch.models import MeetingRule
from dispatch.tasks import plan_meetings, send_meeting_reminders
from issues.alerts import deadline_alerts_run, escalation_periods
from issues.models import Issue, IssueStatus
from issues.tasks import deadline_alerts
from notifications.models import EmailPreference, EmailStatus, Notification, NotificationKind
from projects.models import GroupPartnerUnit
from tests.factories import IssueFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = [dt.date(2026, 6, day) for day in range(1, 31)]


def at(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI), tick=False)


def run_every_scan() -> None:
    """What beat runs in a day (CELERY_BEAT_SCHEDULE)."""
    plan_meetings()
    send_meeting_reminders()
    deadline_alerts()


def snapshot() -> set[tuple]:
    return set(
        Notification.objects.filter(
            kind__in=[
                NotificationKind.DUE_SOON,
                NotificationKind.SIGN_OVERDUE,
                NotificationKind.OVERDUE,
                NotificationKind.ESCALATION,
                NotificationKind.MEETING_REMINDER,
                NotificationKind.MEETING_SCHEDULED,
            ]
        ).values_list("kind", "target_type", "target_id", "recipient__username", "period")
    )


@pytest.fixture
def june(world):
    """A fixed data set for June 2026 (Dragon Boat Festival 19-21 June)."""
    GroupPartnerUnit.objects.create(group=world.group, department=world.assisting_department)
    MeetingRule.objects.create(
        group=world.group,
        kind=MeetingRule.Kind.DAY_OF_MONTH,
        day_of_month=19,
        time=dt.time(15, 0),
        place="市纪委三楼会议室",
    )
    common = {"project": world.project, "handed_off_by": world.inspector, "lead_department": world.lead_department}
    with at(dt.date(2026, 5, 15)):
        issues = {
            # signed, deadline Wed 10 June: due soon on the 5th, overdue on the 11th, escalated on
            # the 17th (5th working day after) and again a week later.
            "late": IssueFactory(
                code="A",
                status=IssueStatus.IN_PROGRESS,
                sign_deadline=dt.date(2026, 5, 20),
                rectification_deadline=dt.date(2026, 6, 10),
                **common,
            ),
            # never signed: sign-for deadline passed on the 4th; due soon on the 25th.
            "unsigned": IssueFactory(
                code="B",
                status=IssueStatus.HANDED_OFF,
                sign_deadline=dt.date(2026, 6, 3),
                rectification_deadline=dt.date(2026, 6, 30),
                **common,
            ),
            # closed and submitted issues owe nothing: never alerted.
            "closed": IssueFactory(
                code="C",
                status=IssueStatus.CLOSED,
                sign_deadline=dt.date(2026, 5, 20),
                rectification_deadline=dt.date(2026, 6, 5),
                **common,
            ),
            "submitted": IssueFactory(
                code="D",
                status=IssueStatus.SUBMITTED,
                sign_deadline=dt.date(2026, 5, 20),
                rectification_deadline=dt.date(2026, 6, 8),
                **common,
            ),
        }
    return world, issues


def expected_by_day(world, issues, meeting_id: int) -> dict[dt.date, set[tuple]]:
    attendees = ["inspector", "grouplead", "assist_liaison", "leader", "lead_liaison"]
    late, unsigned = issues["late"].pk, issues["unsigned"].pk

    def meeting(kind, period):
        return {(kind, "meeting", meeting_id, user, period) for user in attendees}

    return {
        dt.date(2026, 6, 1): meeting("meeting_scheduled", "v1"),
        dt.date(2026, 6, 4): {("sign_overdue", "issue", unsigned, "lead_liaison", "2026-06-03")},
        dt.date(2026, 6, 5): {("due_soon", "issue", late, "lead_liaison", "2026-06-10")},
        dt.date(2026, 6, 11): {
            ("overdue", "issue", late, "lead_liaison", "2026-06-10"),
            ("overdue", "issue", late, "inspector", "2026-06-10"),
        },
        dt.date(2026, 6, 15): meeting("meeting_reminder", "2026-06-22T15:00:7d"),
        dt.date(2026, 6, 17): {
            ("escalation", "issue", late, "grouplead", "2026-06-10:w0"),
            ("escalation", "issue", late, "inspector", "2026-06-10:w0"),
            ("escalation", "issue", late, "leader", "2026-06-10:w0"),
        },
        dt.date(2026, 6, 21): meeting("meeting_reminder", "2026-06-22T15:00:1d"),
        dt.date(2026, 6, 22): meeting("meeting_reminder", "2026-06-22T15:00:0d"),
        dt.date(2026, 6, 24): {
            ("escalation", "issue", late, "grouplead", "2026-06-10:w1"),
            ("escalation", "issue", late, "inspector", "2026-06-10:w1"),
            ("escalation", "issue", late, "leader", "2026-06-10:w1"),
        },
        dt.date(2026, 6, 25): {("due_soon", "issue", unsigned, "lead_liaison", "2026-06-30")},
    }


@pytest.mark.django_db
def test_a_month_day_by_day_sends_exactly_the_due_alerts_and_a_rerun_sends_nothing(june):
    world, issues = june
    with at(JUNE[0]):
        run_every_scan()
    meeting = world.group.meetings.get()
    # The rule's 19th is the Dragon Boat Festival: moved to Monday 22nd.
    assert meeting.starts_at.astimezone(SHANGHAI) == dt.datetime(2026, 6, 22, 15, 0, tzinfo=SHANGHAI)
    expected_new = expected_by_day(world, issues, meeting.pk)
    expected: set[tuple] = set(expected_new[JUNE[0]])
    assert snapshot() == expected

    for day in JUNE[1:]:
        with at(day):
            run_every_scan()
            expected |= expected_new.get(day, set())
            assert snapshot() == expected, day
            # Same day again (a second beat, a retried task): nothing new.
            run_every_scan()
            assert snapshot() == expected, day

    # Every scan once more over the whole month: nothing new.
    count = Notification.objects.count()
    for day in JUNE:
        with at(day):
            run_every_scan()
    assert Notification.objects.count() == count


@pytest.mark.django_db
def test_a_skipped_day_is_caught_up_the_next_day(june):
    world, issues = june
    with at(JUNE[0]):
        run_every_scan()
    # Beat did not run on the 11th (overdue day) or on the 15th (7-day reminder day).
    for day in JUNE[1:16]:
        if day in (dt.date(2026, 6, 11), dt.date(2026, 6, 15)):
            continue
        with at(day):
            run_every_scan()
    overdue = Notification.objects.filter(kind=NotificationKind.OVERDUE, target_id=issues["late"].pk)
    assert sorted(overdue.values_list("recipient__username", "period")) == [
        ("inspector", "2026-06-10"),
        ("lead_liaison", "2026-06-10"),
    ]
    assert {n.created_at.astimezone(SHANGHAI).date() for n in overdue} == {dt.date(2026, 6, 12)}
    reminders = Notification.objects.filter(kind=NotificationKind.MEETING_REMINDER)
    assert set(reminders.values_list("period", flat=True)) == {"2026-06-22T15:00:7d"}
    assert {n.created_at.astimezone(SHANGHAI).date() for n in reminders} == {dt.date(2026, 6, 16)}


@pytest.mark.django_db
def test_reminders_missed_for_days_send_only_the_latest_due_one(june):
    world, _issues = june
    with at(JUNE[0]):
        run_every_scan()
    with at(dt.date(2026, 6, 22), hour=8):
        send_meeting_reminders()
    assert set(Notification.objects.filter(kind="meeting_reminder").values_list("period", flat=True)) == {
        "2026-06-22T15:00:0d"
    }
    # Once the meeting has started nothing more is reminded.
    with at(dt.date(2026, 6, 22), hour=16):
        Notification.objects.filter(kind="meeting_reminder").delete()
        assert send_meeting_reminders() == 0


@pytest.mark.django_db
def test_an_extension_moves_the_deadline_and_alerts_again_for_the_new_one(june):
    world, issues = june
    late = issues["late"]
    with at(dt.date(2026, 6, 11)):
        deadline_alerts_run()
    late.rectification_deadline = dt.date(2026, 6, 12)
    late.save()
    with at(dt.date(2026, 6, 15)):
        deadline_alerts_run()
    periods = set(
        Notification.objects.filter(kind="overdue", recipient=world.lead_liaison, target_id=late.pk).values_list(
            "period", flat=True
        )
    )
    assert periods == {"2026-06-10", "2026-06-12"}


@pytest.mark.django_db
def test_escalation_starts_on_the_fifth_working_day_and_repeats_weekly():
    # Wed 10 June + 5 working days = Wed 17 June (weekend skipped).
    IssueFactory(
        status=IssueStatus.IN_PROGRESS, sign_deadline=dt.date(2026, 6, 1), rectification_deadline=dt.date(2026, 6, 10)
    )
    assert escalation_periods(today=dt.date(2026, 6, 16)) == {}
    assert escalation_periods(today=dt.date(2026, 6, 17)) == {dt.date(2026, 6, 10): "2026-06-10:w0"}
    assert escalation_periods(today=dt.date(2026, 6, 23)) == {dt.date(2026, 6, 10): "2026-06-10:w0"}
    assert escalation_periods(today=dt.date(2026, 6, 24)) == {dt.date(2026, 6, 10): "2026-06-10:w1"}


@pytest.mark.django_db
@pytest.mark.parametrize("day", range(1, 31))
def test_the_escalation_cutoff_agrees_with_the_escalation_periods(day):
    """The lead's desk lists escalated issues by escalation_cutoff: the same issues the alerts escalate."""
    from issues.alerts import escalation_cutoff

    today = dt.date(2026, 6, day)
    for deadline in (dt.date(2026, 5, 25) + dt.timedelta(days=n) for n in range(40)):
        if deadline >= today:
            break
        IssueFactory(status=IssueStatus.IN_PROGRESS, sign_deadline=deadline, rectification_deadline=deadline)
    escalated = set(escalation_periods(today=today))
    cutoff = escalation_cutoff(today=today)
    deadlines = set(Issue.objects.values_list("rectification_deadline", flat=True))
    assert {d for d in deadlines if d < cutoff} == escalated


@pytest.mark.django_db
def test_alert_rows_carry_a_chinese_title_a_link_and_respect_email_opt_out(june):
    world, issues = june
    EmailPreference.objects.create(user=world.inspector, kind=NotificationKind.OVERDUE, email_enabled=False)
    with at(dt.date(2026, 6, 11)):
        deadline_alerts_run()
    liaison_row = Notification.objects.get(kind="overdue", recipient=world.lead_liaison)
    inspector_row = Notification.objects.get(kind="overdue", recipient=world.inspector)
    assert liaison_row.title == "问题 A 已超过整改时限（2026-06-10），整改逾期"
    assert liaison_row.url == f"/issues/{issues['late'].pk}/"
    assert issues["late"].title in liaison_row.body
    assert liaison_row.email_status == EmailStatus.PENDING
    assert inspector_row.email_status == EmailStatus.SKIPPED


@pytest.mark.django_db
def test_overdue_sweep_runs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for n in range(30):
        IssueFactory(
            project=world.project,
            lead_department=world.lead_department,
            handed_off_by=world.inspector,
            status=IssueStatus.IN_PROGRESS,
            sign_deadline=dt.date(2026, 5, 1),
            rectification_deadline=dt.date(2026, 5, 4) + dt.timedelta(days=n),
        )
    from issues.alerts import alert_escalations, alert_overdue

    with at(dt.date(2026, 6, 20)):
        with django_assert_max_num_queries(4):
            assert alert_overdue(today=dt.date(2026, 6, 20)) == 60
        with django_assert_max_num_queries(9):
            # the group lead, the handing inspector and the leader, for each of 30 issues
            assert alert_escalations(today=dt.date(2026, 6, 20)) == 90


@pytest.mark.django_db
def test_the_escalation_states_how_many_working_days_the_issue_is_overdue(world):
    """Deadline Wed 10 June 2026: on the 17th the issue is 5 working days late, on the 24th 9 (the
    19th is the Dragon Boat Festival) — the title says so, not a fixed "已满5个工作日"."""
    from issues.alerts import alert_escalations

    IssueFactory(
        code="ESC",
        project=world.project,
        lead_department=world.lead_department,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 5, 20),
        rectification_deadline=dt.date(2026, 6, 10),
    )
    alert_escalations(today=dt.date(2026, 6, 17))
    alert_escalations(today=dt.date(2026, 6, 24))
    titles = set(
        Notification.objects.filter(kind=NotificationKind.ESCALATION, recipient=world.leader).values_list(
            "title", flat=True
        )
    )
    assert titles == {
        "逾期升级督办：问题 ESC 超过整改时限（2026-06-10）已逾期5个工作日",
        "逾期升级督办：问题 ESC 超过整改时限（2026-06-10）已逾期9个工作日",
    }
