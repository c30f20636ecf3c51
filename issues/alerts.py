"""Deadline alerts: due soon, sign-for deadline passed, overdue, and the weekly escalation.

Every scan asks "which alerts are due and not yet notified" — never "which deadline is today" — so
a day the scan did not run is caught up the next day, and a rerun sends nothing new. The period of
each alert is keyed by the deadline it is about, so an approved extension (a new deadline) is
alerted afresh. Each scan is set-based: one INSERT … SELECT … ON CONFLICT DO NOTHING per recipient
set (notifications.services.notify_from_select), whatever the number of issues.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import active_liaisons
from core.workdays import WorkCalendar, add_working_days
from issues.conditions import DUE_SOON, OVERDUE, SIGN_OVERDUE
from issues.lights import due_soon_cutoff
from issues.models import Issue
from notifications.models import NotificationKind
from notifications.services import notify_from_select, sql_text
from projects.models import GroupMembership

# Overdue by this many working days or more escalates to the group leads and the leaders.
ESCALATION_WORKING_DAYS = 5
# …and the escalation repeats every this many days while the issue stays overdue.
ESCALATION_REPEAT_DAYS = 7

TARGET_TYPE = "issue"


@dataclass(frozen=True)
class AlertCounts:
    due_soon: int = 0
    sign_overdue: int = 0
    overdue: int = 0
    escalation: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "due_soon": self.due_soon,
            "sign_overdue": self.sign_overdue,
            "overdue": self.overdue,
            "escalation": self.escalation,
        }


def _url_expression(prefix: str):
    """'/issues/<id>/' built by the database from the URL conf (a sentinel id is swapped out)."""
    sentinel = 987654321
    template = reverse("issues:detail", args=[sentinel]).replace(str(sentinel), "%(id)s")
    return sql_text(template, id=F(f"{prefix}id"))


def _issue_columns(prefix: str, *, period, title: str, body: str, extra: dict | None = None) -> dict:
    """The n_target … n_url columns of notify_from_select, read from the issue at `prefix` (and the
    `extra` placeholder expressions a template may use)."""
    fields = {
        "code": F(f"{prefix}code"),
        "title": F(f"{prefix}title"),
        "deadline": F(f"{prefix}rectification_deadline"),
        "sign_deadline": F(f"{prefix}sign_deadline"),
        **(extra or {}),
    }
    used = lambda template: {name: expr for name, expr in fields.items() if f"%({name})s" in template}  # noqa: E731
    return {
        "n_target": F(f"{prefix}id"),
        "n_period": period,
        "n_title": sql_text(title, **used(title)),
        "n_body": sql_text(body, **used(body)),
        "n_url": _url_expression(prefix),
    }


def _lead_liaison_rows(issue_q: Q, *, period, title: str, body: str):
    """(liaison of the lead department, issue) for every issue matching issue_q (prefixed)."""
    prefix = "department__led_issues__"
    return (
        active_liaisons()
        .filter(issue_q)
        .annotate(n_recipient=F("pk"))
        .annotate(**_issue_columns(prefix, period=period(prefix), title=title, body=body))
    )


def _inspector_rows(issue_q: Q, *, period, title: str, body: str):
    """(the inspector who handed the issue off, issue) for every issue matching issue_q."""
    return (
        Issue.objects.filter(issue_q, handed_off_by__is_active=True)
        .annotate(n_recipient=F("handed_off_by_id"))
        .annotate(**_issue_columns("", period=period(""), title=title, body=body))
    )


def _deadline_period(field: str):
    return lambda prefix: sql_text("%(d)s", d=F(f"{prefix}{field}"))


@transaction.atomic
def alert_due_soon(*, today: dt.date) -> int:
    """Rectification deadline within DUE_SOON_WORKING_DAYS working days (not yet passed): the
    lead department's liaisons, once per deadline."""
    rows = _lead_liaison_rows(
        DUE_SOON.q(prefix="department__led_issues__", today=today, due_soon=due_soon_cutoff(today)),
        period=_deadline_period("rectification_deadline"),
        title=_("问题 %(code)s 将于 %(deadline)s 到整改时限"),
        body=_("%(title)s\n请抓紧整改，按时报送整改进展并提交核验；确需延期的请及时申请。"),
    )
    return len(notify_from_select(kind=NotificationKind.DUE_SOON, target_type=TARGET_TYPE, rows=rows))


@transaction.atomic
def alert_sign_overdue(*, today: dt.date) -> int:
    """Sign-for deadline passed and still not signed for: the lead department, once per deadline."""
    rows = _lead_liaison_rows(
        SIGN_OVERDUE.q(prefix="department__led_issues__", today=today),
        period=_deadline_period("sign_deadline"),
        title=_("问题 %(code)s 已超过签收时限（%(sign_deadline)s）仍未签收"),
        body=_("%(title)s\n请立即签收并组织整改。"),
    )
    return len(notify_from_select(kind=NotificationKind.SIGN_OVERDUE, target_type=TARGET_TYPE, rows=rows))


@transaction.atomic
def alert_overdue(*, today: dt.date) -> int:
    """Past the rectification deadline while the department still owes the work: the lead
    department's liaisons and the inspector who handed it off, once per deadline."""
    title = _("问题 %(code)s 已超过整改时限（%(deadline)s），整改逾期")
    body = _("%(title)s\n逾期问题将按规定升级督办，请尽快整改到位。")
    period = _deadline_period("rectification_deadline")
    late = OVERDUE.q(prefix="department__led_issues__", today=today)
    created = notify_from_select(
        kind=NotificationKind.OVERDUE,
        target_type=TARGET_TYPE,
        rows=_lead_liaison_rows(late, period=period, title=title, body=body),
    )
    created += notify_from_select(
        kind=NotificationKind.OVERDUE,
        target_type=TARGET_TYPE,
        rows=_inspector_rows(OVERDUE.q(today=today), period=period, title=title, body=body),
    )
    return len(created)


def escalation_cutoff(*, today: dt.date) -> dt.date:
    """An issue the department still owes is escalated when its rectification deadline is before
    this date: ESCALATION_WORKING_DAYS working days or more lie in (deadline, today]. (The 5th
    working day back from tomorrow, so today counts when it is a working day.)"""
    return add_working_days(today + dt.timedelta(days=1), -ESCALATION_WORKING_DAYS)


def escalation_periods(*, today: dt.date) -> dict[dt.date, str]:
    """For each rectification deadline of an issue overdue by ESCALATION_WORKING_DAYS working days
    or more today: the escalation period, "<deadline>:w<N>" with N the number of whole weeks since
    the escalation began. A new N is a new escalation; the same N is already sent. One query for
    the deadlines, one for the working-day calendar."""
    return {deadline: period for deadline, (period, _days) in _escalations(today=today).items()}


def _escalations(*, today: dt.date) -> dict[dt.date, tuple[str, int]]:
    """escalation_periods, each with the working days the deadline is overdue today (as the ledger
    counts them: working days after the deadline up to today)."""
    deadlines = sorted(
        Issue.objects.filter(OVERDUE.q(today=today))
        .order_by()
        .values_list("rectification_deadline", flat=True)
        .distinct()
    )
    if not deadlines:
        return {}
    calendar = WorkCalendar.for_span(deadlines[0], today)
    # Walk the calendar once, from the earliest deadline to today, noting each working day.
    workdays: list[dt.date] = []
    day = deadlines[0]
    while day < today:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            workdays.append(day)
    periods = {}
    index = 0
    for deadline in deadlines:
        while index < len(workdays) and workdays[index] <= deadline:
            index += 1
        # The escalation begins on the Nth working day after the deadline.
        begin_index = index + ESCALATION_WORKING_DAYS - 1
        if begin_index >= len(workdays):
            continue
        began = workdays[begin_index]
        week = (today - began).days // ESCALATION_REPEAT_DAYS
        periods[deadline] = (f"{deadline.isoformat()}:w{week}", len(workdays) - index)
    return periods


@transaction.atomic
def alert_escalations(*, today: dt.date) -> int:
    """Overdue by 5 working days or more: the leads of the project's active groups, the inspector
    who handed it off and every leader; repeated each week while the issue stays overdue. The
    title states how many working days the issue is overdue on the day it is sent."""
    escalations = _escalations(today=today)
    if not escalations:
        return 0
    periods = {deadline: period for deadline, (period, _days) in escalations.items()}
    title = _("逾期升级督办：问题 %(code)s 超过整改时限（%(deadline)s）已逾期%(overdue_days)s个工作日")
    body = _("%(title)s\n请督促责任单位限期整改到位。")

    def overdue_days(prefix: str) -> Case:
        return Case(
            *[When(**{f"{prefix}rectification_deadline": d}, then=Value(n)) for d, (_p, n) in escalations.items()],
            output_field=IntegerField(),
        )

    def escalated(prefix: str) -> Q:
        return OVERDUE.q(prefix=prefix, today=today) & Q(**{f"{prefix}rectification_deadline__in": list(periods)})

    def period(prefix: str):
        return Case(
            *[When(**{f"{prefix}rectification_deadline": d}, then=Value(p)) for d, p in periods.items()],
            output_field=CharField(),
        )

    prefix = "group_memberships__group__projects__issues__"
    leads = (
        User.objects.filter(
            escalated(prefix),
            is_active=True,
            group_memberships__role=GroupMembership.Role.LEAD,
            group_memberships__group__is_active=True,
        )
        .annotate(n_recipient=F("pk"))
        .annotate(
            **_issue_columns(
                prefix, period=period(prefix), title=title, body=body, extra={"overdue_days": overdue_days(prefix)}
            )
        )
    )
    created = notify_from_select(kind=NotificationKind.ESCALATION, target_type=TARGET_TYPE, rows=leads)
    # The inspector who handed the issue off stays informed of its escalation.
    created += notify_from_select(
        kind=NotificationKind.ESCALATION,
        target_type=TARGET_TYPE,
        rows=Issue.objects.filter(escalated(""), handed_off_by__is_active=True)
        .annotate(n_recipient=F("handed_off_by_id"))
        .annotate(
            **_issue_columns("", period=period(""), title=title, body=body, extra={"overdue_days": overdue_days("")})
        ),
    )
    # Leaders are a handful of people: one statement each, every escalated issue in it.
    for leader_id in User.objects.filter(is_active=True, groups__name=Role.LEADER).values_list("pk", flat=True):
        rows = (
            Issue.objects.filter(escalated(""))
            .annotate(n_recipient=Value(leader_id))
            .annotate(
                **_issue_columns(
                    "", period=period(""), title=title, body=body, extra={"overdue_days": overdue_days("")}
                )
            )
        )
        created += notify_from_select(kind=NotificationKind.ESCALATION, target_type=TARGET_TYPE, rows=rows)
    return len(created)


def deadline_alerts_run(*, today: dt.date | None = None) -> AlertCounts:
    """Every deadline scan for `today` (default: today in Asia/Shanghai). Returns how many new
    notifications each created; safe to call any number of times a day."""
    today = today or timezone.localdate()
    return AlertCounts(
        due_soon=alert_due_soon(today=today),
        sign_overdue=alert_sign_overdue(today=today),
        overdue=alert_overdue(today=today),
        escalation=alert_escalations(today=today),
    )
