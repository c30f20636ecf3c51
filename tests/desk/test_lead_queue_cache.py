"""The navigation's badges of a group lead are kept under the data versions of what they count
(core.dataversion.LEAD_QUEUES): a lead's next page counts nothing again, and any change to what a
queue counts — an issue, an extension request, a 批示 and its reading, a 调度会 and its decisions —
shows in the badges of the very next page, as does the day turning."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk import queues
from dispatch.models import Decision, DispatchMeeting
from issues import services
from notifications.models import Notification, NotificationKind
from notifications.services import notification_mark_read
from tests.desk.test_lead_desk import WORK_COUNTS, pending_extension, planned_meeting, submitted, work  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("versioned_cache")]
INBOX = reverse("notifications:inbox")


def _badges(client) -> dict[str, int]:
    lead = client.get(INBOX).context["lead_queues"]
    return {queue["key"]: queue["count"] for queue in lead}


def test_a_leads_next_page_counts_nothing_again(client, world, work):  # noqa: F811
    client.force_login(world.group_lead)
    with CaptureQueriesContext(connection) as first:
        client.get(INBOX)
    with CaptureQueriesContext(connection) as again:
        html = client.get(INBOX).content.decode()
    assert 'data-queue="to_verify">1</span>' in html
    # the lead check, one count per queue and the escalation's calendar: all kept
    assert len(first.captured_queries) - len(again.captured_queries) == len(queues.QUEUES) + 2
    assert not any("issues_extensionrequest" in query["sql"] for query in again.captured_queries)


def test_a_progress_note_leaves_the_badges_kept(client, world, work):  # noqa: F811
    issue = world.hand_off(title="电力接入迟缓")
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    client.force_login(world.group_lead)
    client.get(INBOX)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已协调供电公司。", percent=40)
    with CaptureQueriesContext(connection) as after:
        client.get(INBOX)
    assert not any("issues_extensionrequest" in query["sql"] for query in after.captured_queries)


def test_each_change_to_what_a_queue_counts_shows_at_once(client, world, work):  # noqa: F811
    client.force_login(world.group_lead)
    before = _badges(client)
    assert before == WORK_COUNTS

    submitted(world, title="施工许可办理缓慢")  # an issue's status: 'facts'
    assert _badges(client)["to_verify"] == 2
    pending_extension(world, title="环评批复延期")  # an extension request
    assert _badges(client)["extensions"] == 2
    services.instruction_create(issue=work["issue"], actor=world.leader, text="请本周内办结。")
    assert _badges(client)["instructions"] == 2
    for notification in Notification.objects.filter(recipient=world.group_lead, kind=NotificationKind.INSTRUCTION):
        notification_mark_read(user=world.group_lead, notification_id=notification.pk)
    assert _badges(client)["instructions"] == 0
    Decision.objects.filter(meeting=work["meeting"]).update(responsible_department=world.lead_department)
    DispatchMeeting.objects.filter(pk=work["meeting"].pk).update(
        place="三楼会议室", agenda_snapshot={"open_issues": []}, focus_next_month="林地报批"
    )
    assert _badges(client)["meeting"] == 0
    Decision.objects.create(meeting=work["meeting"], text="督促电力接入。", created_by=world.group_lead)
    assert _badges(client)["meeting"] == 1  # a decision without a responsible department


def test_a_meeting_of_today_leaves_the_queue_at_midnight(client, world):
    today = timezone.localdate()
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 58)))
    with time_machine.travel(evening, tick=False) as clock:
        meeting = planned_meeting(world.group)
        DispatchMeeting.objects.filter(pk=meeting.pk).update(
            starts_at=timezone.make_aware(dt.datetime.combine(today, dt.time(9, 30)))
        )
        client.force_login(world.group_lead)
        assert _badges(client)["meeting"] == 1  # from today on: this morning's counts today
        clock.shift(dt.timedelta(minutes=4))  # nothing committed, but it is tomorrow
        assert _badges(client)["meeting"] == 0
