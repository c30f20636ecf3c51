"""The group lead's work queues (组长待办): what waits for the lead of a supervision group.

A lead is a role in a membership (projects.GroupMembership), not a global role: the queues cover
the projects of the active groups the user leads. Each queue is one queryset, so its count is one
query (the navigation's badges) and its rows one more (the desk). The subqueries of "my groups"
and "my projects" stay inside each query instead of being read first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.dataversion import LEAD_QUEUES, cached_read, versions_key
from dispatch.models import DispatchMeeting
from issues.alerts import escalation_cutoff
from issues.models import DEPARTMENT_OWES_STATUSES, ExtensionRequest, Issue, IssueStatus
from notifications.models import Notification, NotificationKind
from projects.models import GroupMembership, Project
from talks.models import Commitment
from talks.selectors import commitments_overdue_for


def led_group_ids(*, user: User) -> QuerySet:
    return GroupMembership.objects.filter(user=user, role=GroupMembership.Role.LEAD, group__is_active=True).values(
        "group_id"
    )


def user_leads_a_group(*, user: User) -> bool:
    if not (user.is_authenticated and user.is_inspector):
        return False
    return led_group_ids(user=user).exists()


def _led_project_ids(user: User) -> QuerySet:
    return Project.objects.filter(groups__in=led_group_ids(user=user)).values("pk")


def _issues(user: User) -> QuerySet[Issue]:
    return Issue.objects.filter(project__in=_led_project_ids(user)).select_related("project", "lead_department")


@dataclass(frozen=True)
class Queue:
    key: str
    label: object  # lazy text
    icon: str


QUEUES = (
    Queue("to_confirm", _("待确认销号"), "patch-check"),
    Queue("to_verify", _("待核验"), "clipboard-check"),
    Queue("extensions", _("延期待审批"), "calendar-plus"),
    Queue("escalations", _("逾期升级督办"), "exclamation-octagon"),
    Queue("instructions", _("未读领导批示"), "chat-square-quote"),
    Queue("meeting", _("调度会待完善"), "people"),
    Queue("talk_followups", _("约谈承诺逾期"), "chat-square-text"),
)


def to_confirm(*, user: User) -> QuerySet[Issue]:
    """Issues of his groups an inspector proposed for 销号, awaiting his confirmation, oldest
    proposal first. Those he proposed or handed off himself are another lead's or a leader's to
    confirm (issues.workflow: separation of duties), so they are not his work."""
    return (
        _issues(user)
        .filter(status=IssueStatus.CLOSE_PROPOSED)
        .exclude(close_proposed_by=user)
        .exclude(handed_off_by=user)
        .order_by("close_proposed_at", "pk")
    )


def to_verify(*, user: User) -> QuerySet[Issue]:
    """Issues of his groups submitted for verification (待核验), oldest submission first."""
    return _issues(user).filter(status=IssueStatus.SUBMITTED).order_by("submitted_at", "pk")


def extensions(*, user: User) -> QuerySet[ExtensionRequest]:
    """Pending extension requests on issues of his groups, oldest first."""
    return (
        ExtensionRequest.objects.filter(
            issue__project__in=_led_project_ids(user), status=ExtensionRequest.Status.PENDING
        )
        .select_related("issue", "issue__lead_department", "requested_by")
        .order_by("created_at", "pk")
    )


def escalations(*, user: User, cutoff: dt.date) -> QuerySet[Issue]:
    """Issues of his groups overdue by the escalation's working days or more (a deadline before
    issues.alerts.escalation_cutoff: the issues the alerts escalate), most overdue first."""
    return (
        _issues(user)
        .filter(status__in=DEPARTMENT_OWES_STATUSES, rectification_deadline__lt=cutoff)
        .order_by("rectification_deadline", "pk")
    )


def unread_instructions(*, user: User) -> QuerySet[Notification]:
    """批示 he was notified of and has not opened yet, newest first."""
    return Notification.objects.filter(
        recipient=user, kind=NotificationKind.INSTRUCTION, read_at__isnull=True
    ).order_by("-created_at", "-pk")


def upcoming_meetings(*, user: User, today: dt.date) -> QuerySet[DispatchMeeting]:
    """The planned 调度会 of his groups from today on, soonest first, each with what it still
    lacks annotated (see meeting_gaps)."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        DispatchMeeting.objects.filter(
            group__in=led_group_ids(user=user), status=DispatchMeeting.Status.PLANNED, starts_at__gte=start
        )
        .select_related("group")
        .annotate(
            decisions_without_department=Count(
                "decisions", filter=Q(decisions__responsible_department__isnull=True), distinct=True
            )
        )
        .order_by("starts_at", "pk")
    )


def _meeting_incomplete_q() -> Q:
    return Q(place="") | Q(agenda_snapshot={}) | Q(focus_next_month="") | Q(decisions_without_department__gt=0)


def incomplete_meetings(*, user: User, today: dt.date) -> QuerySet[DispatchMeeting]:
    return upcoming_meetings(user=user, today=today).filter(_meeting_incomplete_q())


def meeting_gaps(meeting: DispatchMeeting) -> list[str]:
    """What a planned meeting still lacks, in the reader's language."""
    gaps = []
    if not meeting.place:
        gaps.append(str(_("未定会议地点")))
    if not meeting.agenda_snapshot:
        gaps.append(str(_("议程未生成快照")))
    if not meeting.focus_next_month:
        gaps.append(str(_("未填写下月督导重点与方式")))
    if meeting.decisions_without_department:
        gaps.append(str(_("%(count)s 项决定事项未明确责任单位")) % {"count": meeting.decisions_without_department})
    return gaps


def talk_followups(*, user: User, today: dt.date) -> QuerySet[Commitment]:
    """Follow-up commitments of talks (约谈 / 提醒谈话) past their deadline and not confirmed
    fulfilled: of his groups' talks and of the talks he led or recorded (talks.selectors)."""
    return commitments_overdue_for(user=user, today=today)


def queue_counts(*, user: User, today: dt.date, cutoff: dt.date) -> dict[str, int]:
    """One count per queue, one query each. `cutoff`: escalation_cutoff(today=today)."""
    return {
        "to_confirm": to_confirm(user=user).count(),
        "to_verify": to_verify(user=user).count(),
        "extensions": extensions(user=user).count(),
        "escalations": escalations(user=user, cutoff=cutoff).count(),
        "instructions": unread_instructions(user=user).count(),
        "meeting": incomplete_meetings(user=user, today=today).count(),
        "talk_followups": talk_followups(user=user, today=today).count(),
    }


@dataclass(frozen=True)
class LeadQueues:
    """A lead's queues for one request: the day, the escalation cutoff (one read of the working-day
    calendar) and each queue's count."""

    today: dt.date
    cutoff: dt.date
    counts: dict[str, int]


def lead_queues_for(*, user: User, versions: dict[str, int] | None = None) -> LeadQueues | None:
    """None for a user who leads no active group (one query to know), else the counts. Given the
    data versions, kept in the cache under the issues' facts, the scope, the calendar and the desk's
    own tables (core.dataversion.LEAD_QUEUES), the user and the day: the navigation shows them on
    every page a lead opens (seven counts), and a meeting's "from today on" and a deadline's
    "overdue" turn at midnight without a change to any row."""
    today = timezone.localdate()

    def read() -> tuple[LeadQueues | None]:
        if not user_leads_a_group(user=user):
            return (None,)  # kept as a tuple: None in the cache means "not there"
        cutoff = escalation_cutoff(today=today)
        return (LeadQueues(today=today, cutoff=cutoff, counts=queue_counts(user=user, today=today, cutoff=cutoff)),)

    (queues,) = cached_read(
        read, key=f"lead-queues:{user.pk}:{today.isoformat()}", version=versions_key(versions, LEAD_QUEUES)
    )
    return queues
