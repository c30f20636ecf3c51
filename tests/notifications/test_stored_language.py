"""Stored text (inbox messages, meeting titles) is written in Chinese, the system's language, even
when the request that writes it runs in English: other people read it later in their own session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from dispatch.models import MeetingRule
from dispatch.services import meeting_plan_for_month
from issues import services
from notifications.models import Notification

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_an_english_session_writes_inbox_messages_in_chinese(world):
    with translation.override("en"):
        issue = world.hand_off()
        services.issue_sign(issue=issue, actor=world.lead_liaison)
        services.extension_request_create(
            issue=issue,
            actor=world.lead_liaison,
            requested_deadline=issue.rectification_deadline + dt.timedelta(days=10),
            reason="等待省级批复",
        )
        services.extension_request_decide(issue=issue, actor=world.group_lead, approve=True)  # the lead decides
        services.instruction_create(issue=issue, actor=world.leader, text="抓紧办理")
    titles = list(Notification.objects.order_by("id").values_list("title", flat=True))
    assert titles and all(CHINESE.search(title) for title in titles), titles
    assert any(title.startswith("新交办问题 ") for title in titles)
    assert any("延期申请：同意" in title for title in titles)
    assert any(title.startswith("领导批示（") for title in titles)
    assert not any(word in " ".join(titles) for word in ("New issue", "extension request", "instruction"))


@pytest.mark.django_db
def test_a_meeting_planned_from_an_english_session_gets_a_chinese_title(world):
    MeetingRule.objects.create(group=world.group, kind="last_weekday", weekday=4, time=dt.time(15), place="三楼会议室")
    month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with translation.override("en"):
        meeting = meeting_plan_for_month(group_id=world.group.pk, month=month)
    assert meeting.title == f"{world.group.name}{month.year}年{month.month}月调度会"
    notices = Notification.objects.filter(target_id=meeting.pk)  # one per attendee
    assert notices.exists()
    assert all(title.startswith(meeting.title) and "定于" in title for title in notices.values_list("title", flat=True))


@pytest.mark.django_db
def test_an_english_session_stores_agenda_labels_and_decision_hand_offs_in_chinese(world):
    from dispatch.services import decision_create

    world.hand_off()
    MeetingRule.objects.create(group=world.group, kind="last_weekday", weekday=4, time=dt.time(15), place="三楼会议室")
    month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with translation.override("en"):
        meeting = meeting_plan_for_month(group_id=world.group.pk, month=month)
        decision = decision_create(
            meeting=meeting,
            actor=world.inspector,
            text="督促用地预审",
            responsible_department=world.lead_department,
            hand_off={"project": world.project, "category": "approval"},
        )
    labels = [row["status_label"] for row in meeting.agenda_snapshot["issues"]]
    assert labels and all(CHINESE.search(label) for label in labels), labels
    assert decision.issue.description == f"{meeting.title}决定：督促用地预审"
