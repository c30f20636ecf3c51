"""Meeting pages: who sees what (outsiders 404, liaisons read-only), forms keep input and show
Chinese errors, each action goes through its service, constant queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from dispatch import services
from dispatch.models import Decision, DispatchMeeting, MeetingRule
from issues.models import IssueStatus
from tests.factories import IssueFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def meeting(world):
    MeetingRule.objects.create(
        group=world.group, kind="day_of_month", day_of_month=25, time=dt.time(15), place="三楼会议室"
    )
    IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        handed_off_by=world.inspector,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=dt.date(2026, 10, 1),
        rectification_deadline=dt.date(2026, 10, 20),
    )
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), tick=False):
        return services.meeting_plan_for_month(group_id=world.group.pk, month=dt.date(2026, 11, 1))


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who,status",
    [
        ("inspector", 200),
        ("group_lead", 200),
        ("leader", 200),
        ("admin", 200),
        ("lead_liaison", 200),
        ("other_inspector", 404),
        ("other_liaison", 404),
        ("assisting_liaison", 404),
    ],
)
def test_meeting_detail_scope(client, world, meeting, who, status):
    response = login(client, getattr(world, who)).get(reverse("dispatch:meeting_detail", args=[meeting.pk]))
    assert response.status_code == status
    listed = login(client, getattr(world, who)).get(reverse("dispatch:meeting_list"))
    assert (meeting.title in listed.content.decode()) == (status == 200)


@pytest.mark.django_db
def test_the_detail_shows_the_agenda_and_read_only_viewers_get_no_forms(client, world, meeting):
    page = login(client, world.lead_liaison).get(reverse("dispatch:meeting_detail", args=[meeting.pk])).content.decode()
    assert "会议议程" in page and "红灯" in page
    assert "添加决定事项" not in page and "确认改期" not in page
    page = login(client, world.inspector).get(reverse("dispatch:meeting_detail", args=[meeting.pk])).content.decode()
    assert "添加决定事项" in page and "确认改期" in page
    # readers (an invited liaison, a leader) may not post: 403; outsiders do not see it: 404
    for reader in (world.lead_liaison, world.leader):
        response = login(client, reader).post(reverse("dispatch:decision_add", args=[meeting.pk]), {"text": "x"})
        assert response.status_code == 403
    response = login(client, world.other_inspector).post(
        reverse("dispatch:decision_add", args=[meeting.pk]), {"text": "x"}
    )
    assert response.status_code == 404
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_reschedule_into_the_past_shows_the_error_and_keeps_the_input(client, world, meeting):
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=SHANGHAI), tick=False):
        response = login(client, world.inspector).post(
            reverse("dispatch:meeting_reschedule", args=[meeting.pk]),
            {"expected_version": meeting.version, "date": "2026-11-09", "time": "15:00", "place": "新会议室"},
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不能改期到过去的时间" in page
    assert 'value="新会议室"' in page and 'value="2026-11-09"' in page
    meeting.refresh_from_db()
    assert meeting.place == "三楼会议室"


@pytest.mark.django_db
def test_reschedule_minutes_and_decision_with_hand_off_through_the_page(client, world, meeting):
    client = login(client, world.inspector)
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=SHANGHAI), tick=False):
        response = client.post(
            reverse("dispatch:meeting_reschedule", args=[meeting.pk]),
            {"expected_version": 1, "date": "2026-11-27", "time": "10:00", "place": ""},
        )
        assert response.status_code == 302
        response = client.post(
            reverse("dispatch:meeting_minutes", args=[meeting.pk]),
            {"expected_version": 2, "minutes": "会议听取了整改情况汇报。", "focus_next_month": "林地报批"},
        )
        assert response.status_code == 302
        stale = client.post(
            reverse("dispatch:meeting_minutes", args=[meeting.pk]),
            {"expected_version": 2, "minutes": "旧页面的内容", "focus_next_month": ""},
        )
        assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
        missing = client.post(reverse("dispatch:decision_add", args=[meeting.pk]), {"text": "交办", "hand_off": "on"})
        assert missing.status_code == 400
        assert "交办问题须指定责任单位" in missing.content.decode()
        response = client.post(
            reverse("dispatch:decision_add", args=[meeting.pk]),
            {
                "text": "限期完成用地预审",
                "responsible_department": world.lead_department.pk,
                "due_on": "2026-12-31",
                "hand_off": "on",
                "project": world.project.pk,
                "category": "approval",
                "severity": "general",
            },
        )
        assert response.status_code == 302
        decision = Decision.objects.get()
        response = client.post(reverse("dispatch:decision_done", args=[meeting.pk, decision.pk]), {"is_done": "1"})
        assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at.astimezone(SHANGHAI) == dt.datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    assert meeting.minutes == "会议听取了整改情况汇报。"
    assert decision.issue.rectification_deadline == dt.date(2026, 12, 31)
    decision.refresh_from_db()
    assert decision.is_done


@pytest.mark.django_db
def test_rule_page_refuses_an_impossible_day_and_is_for_leads_only(client, world):
    url = reverse("dispatch:rule_edit", args=[world.group.pk])
    assert login(client, world.inspector).get(url).status_code == 403  # a member, not the lead
    assert login(client, world.other_inspector).get(url).status_code == 404
    assert login(client, world.leader).get(url).status_code == 404
    client = login(client, world.group_lead)
    response = client.post(url, {"kind": "day_of_month", "day_of_month": "31", "time": "15:00", "place": "会议室"})
    assert response.status_code == 400
    assert "每月31日并非每个月都有" in response.content.decode()
    assert not MeetingRule.objects.exists()
    response = client.post(
        url,
        {
            "kind": "last_weekday",
            "weekday": "4",
            "time": "15:00",
            "place": "会议室",
            "invite_leaders": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert MeetingRule.objects.get().weekday == 4


@pytest.mark.django_db
def test_meeting_list_runs_a_constant_number_of_queries(client, world, meeting, django_assert_num_queries):
    client = login(client, world.leader)
    client.get(reverse("dispatch:meeting_list"))  # warm up session/user caches
    with django_assert_num_queries(_count_queries(client)):
        for month in (12,):
            DispatchMeeting.objects.create(
                group=world.other_group,
                month=dt.date(2026, month, 1),
                title=f"{month}月",
                starts_at=dt.datetime(2026, month, 20, 15, tzinfo=SHANGHAI),
                place="x",
            )
        client.get(reverse("dispatch:meeting_list"))


def _count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dispatch:meeting_list"))
    return len(ctx.captured_queries) + 1  # + the INSERT inside the block


@pytest.mark.django_db
def test_an_invited_liaison_sees_only_his_departments_agenda_items_and_a_count_of_the_rest(client, world):
    own = IssueFactory(project=world.project, lead_department=world.lead_department, title="本单位的逾期问题")
    other = IssueFactory(project=world.project, lead_department=world.other_department, title="别的单位的敏感问题")
    rows = [
        {"id": issue.pk, "code": issue.code, "title": issue.title, "project": str(issue.project),
         "department": issue.lead_department.name, "status": issue.status, "status_label": "整改中",
         "deadline": "2026-11-20", "light": "red", "overdue_working_days": 3}
        for issue in (own, other)
    ]  # fmt: skip
    meeting = DispatchMeeting.objects.create(
        group=world.group,
        month=dt.date(2026, 11, 1),
        title="11月调度会",
        starts_at=dt.datetime(2026, 11, 25, 15, tzinfo=SHANGHAI),
        place="三楼会议室",
        agenda_snapshot={"as_of": "2026-11-18", "counts": {"open": 2, "red": 2, "yellow": 0}, "issues": rows},
    )
    meeting.attending_departments.add(world.lead_department)
    url = reverse("dispatch:meeting_detail", args=[meeting.pk])

    liaison_page = login(client, world.lead_liaison).get(url).content.decode()
    assert "本单位的逾期问题" in liaison_page and own.code in liaison_page
    assert "别的单位的敏感问题" not in liaison_page and other.code not in liaison_page
    assert "另有其他单位的问题 1 件" in liaison_page

    for member in (world.inspector, world.group_lead, world.leader):
        page = login(client, member).get(url).content.decode()
        assert "别的单位的敏感问题" in page and "另有其他单位的问题" not in page
