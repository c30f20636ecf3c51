"""Every write to dispatch meetings: rules, monthly planning with its agenda snapshot, reschedule,
minutes, attendance, decisions (which may hand off an issue) and the meeting reminders.

Functions are keyword-only; user mistakes raise DispatchError (a core.errors.ServiceError) with a
message in the user's language (Chinese first) and, where it belongs to a form field, its name.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from accounts.roles import Role
from accounts.selectors import department_liaisons
from core.errors import ServiceError
from core.i18n import system_language
from core.models import describe_differences
from core.workdays import WorkCalendar, next_workday_on_or_after
from dispatch.models import Decision, DispatchMeeting, MeetingRule
from dispatch.selectors import user_may_edit_meeting, user_may_edit_rule
from dispatch.wording import agenda_counts_sentence
from issues.lights import due_soon_cutoff, light_for
from issues.models import OPEN_STATUSES, Issue, Light
from notifications.models import Notification, NotificationKind
from notifications.services import Target, notify
from projects.models import ProcedureStage, SupervisionGroup

# Reminders before a meeting: (code used in the period, days before the meeting date).
REMINDERS = (("7d", 7), ("1d", 1), ("0d", 0))


class DispatchError(ServiceError):
    """A refusal of a meeting rule or a meeting write (core.errors.ServiceError: 400 in the API)."""


# --- meeting rule -------------------------------------------------------------------------


@transaction.atomic
def meeting_rule_save(
    *,
    group: SupervisionGroup,
    actor: User,
    kind: str,
    time: dt.time,
    place: str,
    day_of_month: int | None = None,
    weekday: int | None = None,
    invite_leaders: bool = True,
    invite_departments_with_open_issues: bool = True,
    is_active: bool = True,
) -> MeetingRule:
    """Create or change a group's meeting rule (group leads and admins). An impossible day (29-31,
    which some months lack) is refused with a field message; the database refuses it too."""
    if not user_may_edit_rule(user=actor, group=group):
        raise DispatchError(_("只有该督导组组长或管理员可以修改调度会规则。"))
    rule = MeetingRule.objects.filter(group=group).first() or MeetingRule(group=group)
    rule.kind = kind
    rule.day_of_month = day_of_month
    rule.weekday = weekday
    rule.time = time
    rule.place = (place or "").strip()
    rule.invite_leaders = invite_leaders
    rule.invite_departments_with_open_issues = invite_departments_with_open_issues
    rule.is_active = is_active
    try:
        rule.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DispatchError(messages[0], field=None if field == "__all__" else field) from None
    rule.save()
    return rule


def rule_date_for_month(*, rule: MeetingRule, month: dt.date) -> dt.date:
    """The day the rule names in `month`, before any holiday move."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    if rule.kind == MeetingRule.Kind.DAY_OF_MONTH:
        if rule.day_of_month is None:
            raise ValueError("a day-of-month rule needs its day (the table's check constraint requires it)")
        return month.replace(day=rule.day_of_month)
    if rule.weekday is None:
        raise ValueError("a last-weekday rule needs its weekday (the table's check constraint requires it)")
    day = month.replace(day=last_day)
    return day - dt.timedelta(days=(day.weekday() - rule.weekday) % 7)


def meeting_date_for_month(*, rule: MeetingRule, month: dt.date) -> dt.date:
    """The rule's day, moved to the next working day when it is a holiday or a weekend."""
    return next_workday_on_or_after(rule_date_for_month(rule=rule, month=month))


# --- planning -----------------------------------------------------------------------------


def _meeting_target(meeting: DispatchMeeting) -> Target:
    return Target(type="meeting", id=meeting.pk, url=reverse("dispatch:meeting_detail", args=[meeting.pk]))


def _open_issues_of_group(group: SupervisionGroup) -> QuerySet[Issue]:
    return Issue.objects.filter(project__groups=group, status__in=OPEN_STATUSES).distinct()


def meeting_invitees(*, group: SupervisionGroup, rule: MeetingRule | None) -> tuple[list[User], list[Department]]:
    """Who is invited: the group's members, the liaisons of its "1+2" partner units, the leaders
    (if the rule invites them), and the liaisons of departments leading open issues of the
    group's projects (if the rule invites them). Returns (people, departments)."""
    department_ids = set(group.partners.values_list("department_id", flat=True))
    if rule is None or rule.invite_departments_with_open_issues:
        department_ids |= set(_open_issues_of_group(group).values_list("lead_department_id", flat=True))
    people = {user.pk: user for user in User.objects.filter(group_memberships__group=group, is_active=True)}
    for liaison in department_liaisons(department_ids=department_ids):
        people.setdefault(liaison.pk, liaison)
    if rule is None or rule.invite_leaders:
        for leader in User.objects.filter(is_active=True, groups__name=Role.LEADER):
            people.setdefault(leader.pk, leader)
    departments = list(Department.objects.filter(pk__in=department_ids).order_by("kind", "name"))
    return list(people.values()), departments


def agenda_snapshot(
    *, group: SupervisionGroup, today: dt.date, before_month: dt.date | None = None, handed_off_by: bool = False
) -> dict[str, Any]:
    """What the meeting is to discuss, frozen when it is planned: the open issues of the group's
    projects with their light (red first), blockages by project, and decisions of earlier
    meetings not yet carried out. `handed_off_by`: only issues handed off by `today` (a snapshot
    written after the day it describes, as the demo's past meeting is)."""
    issues = _open_issues_of_group(group)
    if handed_off_by:
        issues = issues.filter(
            handed_off_at__lt=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
        )
    listed = list(issues.select_related("project", "lead_department").order_by("rectification_deadline", "id"))
    # Two holiday lookups for the whole agenda, not one or two per issue.
    soon = due_soon_cutoff(today)
    earliest = min((issue.rectification_deadline for issue in listed), default=today)
    calendar = WorkCalendar.for_span(min(earliest, today), today)
    rows: list[dict[str, Any]] = []
    for issue in listed:
        light = light_for(
            status=issue.status,
            sign_deadline=issue.sign_deadline,
            rectification_deadline=issue.rectification_deadline,
            today=today,
            due_soon=soon,
        )
        rows.append(
            {
                "id": issue.pk,
                "code": issue.code,
                "title": issue.title,
                "project": str(issue.project),
                "department": issue.lead_department.display_name,
                "status": issue.status,
                "status_label": str(issue.get_status_display()),
                "deadline": issue.rectification_deadline.isoformat(),
                "light": str(light),
                "overdue_working_days": (
                    calendar.workdays_after(issue.rectification_deadline, today) if light == Light.RED else 0
                ),
            }
        )
    order = {Light.RED.value: 0, Light.YELLOW.value: 1, Light.GREEN.value: 2}
    rows.sort(key=lambda row: (order.get(row["light"], 3), row["deadline"]))

    blockages: dict[int, dict[str, Any]] = {}
    stages = (
        ProcedureStage.objects.filter(project__groups=group, status=ProcedureStage.Status.BLOCKED)
        .select_related("project")
        .order_by("project__name", "position", "id")
        .distinct()
    )
    for stage in stages:
        entry = blockages.setdefault(
            stage.project_id, {"project_id": stage.project_id, "project": str(stage.project), "stages": []}
        )
        entry["stages"].append(
            {
                "kind": str(stage.get_kind_display()),
                "name": stage.name,
                "blocked_since": stage.blocked_since.isoformat() if stage.blocked_since else None,
                "days_blocked": stage.days_blocked(today),
                "note": stage.blockage_note,
            }
        )

    carried = Decision.objects.filter(meeting__group=group, is_done=False).select_related(
        "meeting", "responsible_department", "issue"
    )
    if before_month is not None:
        carried = carried.filter(meeting__month__lt=before_month)
    carried_over = [
        {
            "id": decision.pk,
            "text": decision.text,
            "meeting_id": decision.meeting_id,
            "meeting": decision.meeting.title,
            "meeting_date": timezone.localtime(decision.meeting.starts_at).date().isoformat(),
            "department": decision.responsible_department.display_name if decision.responsible_department else "",
            "due_on": decision.due_on.isoformat() if decision.due_on else None,
            "issue_code": decision.issue.code if decision.issue else "",
        }
        for decision in carried.order_by("meeting__starts_at", "id")
    ]
    return {
        "as_of": today.isoformat(),
        "counts": {
            "open": len(rows),
            "red": sum(1 for row in rows if row["light"] == Light.RED),
            "yellow": sum(1 for row in rows if row["light"] == Light.YELLOW),
        },
        "issues": rows,
        "blockages": list(blockages.values()),
        "carried_over": carried_over,
    }


@transaction.atomic
def meeting_plan_for_month(*, group_id: int, month: dt.date) -> DispatchMeeting | None:
    """Create the group's meeting for `month` if it is missing (an existing one — planned, held or
    cancelled — is returned untouched). The date comes from the rule, moved to the next working
    day when it falls on a holiday. Returns None when the group has no active rule or the rule's
    day of this month has already passed. Attendees are notified once per meeting date."""
    month = month.replace(day=1)
    group = SupervisionGroup.objects.select_for_update().get(pk=group_id)
    existing = DispatchMeeting.objects.filter(group=group, month=month).first()
    if existing is not None:
        return existing
    rule = MeetingRule.objects.filter(group=group, is_active=True).first()
    if rule is None or not group.is_active:
        return None
    day = meeting_date_for_month(rule=rule, month=month)
    today = timezone.localdate()
    if day < today:
        return None
    starts_at = timezone.make_aware(dt.datetime.combine(day, rule.time))
    attendees, departments = meeting_invitees(group=group, rule=rule)
    try:
        with transaction.atomic():
            meeting = DispatchMeeting.objects.create(
                group=group,
                month=month,
                title=_stored_meeting_title(group=group, month=month),
                starts_at=starts_at,
                place=rule.place,
                agenda_snapshot=_stored_agenda(group=group, today=today, month=month),
            )
    except IntegrityError:  # planned concurrently: the unique (group, month) row decides
        return DispatchMeeting.objects.get(group=group, month=month)
    meeting.attendees.set(attendees)
    meeting.attending_departments.set(departments)
    _notify_scheduled(meeting, attendees)
    return meeting


def _stored_agenda(*, group: SupervisionGroup, today: dt.date, month: dt.date) -> dict[str, Any]:
    with system_language():  # stored with its status and stage labels: read later, by others
        return agenda_snapshot(group=group, today=today, before_month=month)


def _decision_description(meeting: DispatchMeeting, text: str) -> str:
    with system_language():  # stored in the handed-off issue: read later, by its department
        return _("%(meeting)s决定：%(text)s") % {"meeting": meeting.title, "text": text}


def _stored_meeting_title(*, group: SupervisionGroup, month: dt.date) -> str:
    with system_language():  # stored text: read later, by others
        return _("%(group)s%(year)s年%(month)s月调度会") % {
            "group": group.name,
            "year": month.year,
            "month": month.month,
        }


def _notify_scheduled(meeting: DispatchMeeting, attendees: Iterable[User]) -> None:
    local = timezone.localtime(meeting.starts_at)
    with system_language():  # stored text: read later, by others
        notify(
            kind=NotificationKind.MEETING_SCHEDULED,
            target=_meeting_target(meeting),
            recipients=attendees,
            # Keyed by the meeting's version: every reschedule (even a same-day time or a place change,
            # or a move back to an earlier date) is a new notice; a repeated call is not.
            period=f"v{meeting.version}",
            title=_("%(title)s定于%(when)s在%(place)s召开")
            % {"title": meeting.title, "when": f"{local:%Y-%m-%d %H:%M}", "place": meeting.place},
            body=_("请按时参会。会议议程见会议页面。"),
        )


def meetings_plan_month(*, month: dt.date) -> list[int]:
    """Plan `month`'s meeting for every active group with an active rule. Returns meeting ids."""
    group_ids = MeetingRule.objects.filter(is_active=True, group__is_active=True).values_list("group_id", flat=True)
    planned = []
    for group_id in group_ids:
        meeting = meeting_plan_for_month(group_id=group_id, month=month)
        if meeting is not None:
            planned.append(meeting.pk)
    return planned


# --- changes to a meeting -------------------------------------------------------------------


def _require_editor(meeting: DispatchMeeting, actor: User) -> None:
    if not user_may_edit_meeting(user=actor, meeting=meeting):
        raise DispatchError(_("只有该督导组成员或管理员可以修改调度会。"))


def _bump(meeting: DispatchMeeting, expected_version: int | None, **updates: Any) -> None:
    """One UPDATE guarded by the version the user saw: a stale form is refused, not applied."""
    version = meeting.version if expected_version is None else expected_version
    changed = DispatchMeeting.objects.filter(pk=meeting.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **updates
    )
    if changed != 1:
        differences = describe_differences(meeting, {k: v for k, v in updates.items() if k not in ("held_at",)})
        message = _("该调度会已被他人修改，请刷新页面后重试。")
        if differences:
            message = f"{message}{_('他人保存的内容：')}{'；'.join(differences)}"
        raise DispatchError(message)
    meeting.refresh_from_db()


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: DispatchMeeting,
    actor: User,
    starts_at: dt.datetime,
    place: str = "",
    expected_version: int | None = None,
) -> DispatchMeeting:
    """Move a planned meeting. A time in the past is refused. Reminder periods are keyed by the
    meeting date, so the reminders due before the new date are sent again for it; attendees are
    told the new date at once."""
    _require_editor(meeting, actor)
    if meeting.status != DispatchMeeting.Status.PLANNED:
        raise DispatchError(_("只有尚未召开的调度会可以改期。"))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at <= timezone.now():
        raise DispatchError(_("不能改期到过去的时间，请选择今后的日期和时间。"), field="starts_at")
    updates: dict[str, Any] = {"starts_at": starts_at}
    if place.strip():
        updates["place"] = place.strip()
    _bump(meeting, expected_version, **updates)
    _notify_scheduled(meeting, meeting.attendees.filter(is_active=True))
    return meeting


@transaction.atomic
def meeting_record_minutes(
    *, meeting: DispatchMeeting, actor: User, minutes: str, focus_next_month: str, expected_version: int | None = None
) -> DispatchMeeting:
    """Save the minutes and next month's supervision focus (either may be edited after the meeting)."""
    _require_editor(meeting, actor)
    if meeting.status == DispatchMeeting.Status.CANCELLED:
        raise DispatchError(_("已取消的调度会不能记录纪要。"))
    _bump(meeting, expected_version, minutes=minutes.strip(), focus_next_month=focus_next_month.strip())
    return meeting


@transaction.atomic
def meeting_mark_held(
    *, meeting: DispatchMeeting, actor: User, present: Iterable[User], expected_version: int | None = None
) -> DispatchMeeting:
    """The meeting took place; `present` records who came (from the invited attendees)."""
    _require_editor(meeting, actor)
    if meeting.status != DispatchMeeting.Status.PLANNED:
        raise DispatchError(_("该调度会不是“已安排”状态，不能标记为已召开。"))
    if meeting.starts_at > timezone.now():
        raise DispatchError(_("会议尚未开始，不能标记为已召开。"))
    invited = set(meeting.attendees.values_list("pk", flat=True))
    present = [user for user in present if user.pk in invited]
    _bump(meeting, expected_version, status=DispatchMeeting.Status.HELD, held_at=timezone.now())
    meeting.present.set(present)
    return meeting


# --- decisions ------------------------------------------------------------------------------


@transaction.atomic
def decision_create(
    *,
    meeting: DispatchMeeting,
    actor: User,
    text: str,
    responsible_department: Department | None = None,
    due_on: dt.date | None = None,
    hand_off: dict[str, Any] | None = None,
) -> Decision:
    """Record a decision of the meeting. With `hand_off` (project, title, description, category,
    severity, optional rectification_deadline) the decision also hands off a new issue to the
    responsible department through issues.services.issue_hand_off, and the decision points to it.
    Any refusal of the hand-off leaves nothing written."""
    from issues.errors import IssueWorkflowError
    from issues.services import issue_hand_off

    _require_editor(meeting, actor)
    if meeting.status == DispatchMeeting.Status.CANCELLED:
        raise DispatchError(_("已取消的调度会不能记录决定事项。"))
    text = (text or "").strip()
    if not text:
        raise DispatchError(_("请填写决定事项。"), field="text")
    if responsible_department is not None and not responsible_department.rectifies:
        raise DispatchError(
            _("责任单位须为在用的市直部门或县区政府（纪检监察机构不承担整改）。"), field="responsible_department"
        )
    issue = None
    if hand_off is not None:
        if responsible_department is None:
            raise DispatchError(_("交办问题须指定责任单位。"), field="responsible_department")
        project = hand_off.get("project")
        if project is None or not meeting.group.projects.filter(pk=project.pk).exists():
            raise DispatchError(_("请选择本督导组负责的项目。"), field="project")
        try:
            issue = issue_hand_off(
                actor=actor,
                project=project,
                title=hand_off.get("title") or text[:200],
                description=hand_off.get("description") or _decision_description(meeting, text),
                category=hand_off.get("category", ""),
                severity=hand_off.get("severity") or "general",
                lead_department=responsible_department,
                rectification_deadline=due_on,
            )
        except IssueWorkflowError as error:
            field = error.field
            raise DispatchError(
                str(error),
                field=field
                and {"rectification_deadline": "due_on", "lead_department": "responsible_department"}.get(field, field),
            ) from None
    return Decision.objects.create(
        meeting=meeting,
        text=text,
        responsible_department=responsible_department,
        due_on=due_on,
        issue=issue,
        created_by=actor,
    )


@transaction.atomic
def decision_set_done(*, decision: Decision, actor: User, is_done: bool) -> Decision:
    """Mark a decision carried out (or not): carried-over decisions are those not done."""
    _require_editor(decision.meeting, actor)
    Decision.objects.filter(pk=decision.pk).update(is_done=is_done)
    decision.is_done = is_done
    return decision


# --- reminders ------------------------------------------------------------------------------


def meeting_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every meeting reminder that is due and not yet sent: for each planned meeting still
    ahead, the latest of the 7-day, 1-day and same-morning reminders whose day has come (earlier
    ones a missed run skipped are superseded, not sent late in a burst). The period is
    "<meeting date>:<7d|1d|0d>", so a rescheduled meeting is reminded again for its new date and
    a rerun sends nothing. Returns the number of notifications created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Only meetings whose earliest reminder can be due: at most 7 days (+1 for the clock) ahead.
    horizon = now + dt.timedelta(days=max(days for _code, days in REMINDERS) + 1)
    meetings = (
        DispatchMeeting.objects.filter(status=DispatchMeeting.Status.PLANNED, starts_at__gt=now, starts_at__lt=horizon)
        .prefetch_related("attendees")
        .order_by("starts_at")
    )
    created = 0
    for meeting in meetings:
        local = timezone.localtime(meeting.starts_at)
        due = [(code, days) for code, days in REMINDERS if local.date() - dt.timedelta(days=days) <= today]
        if not due:
            continue
        code, days = min(due, key=lambda item: item[1])
        created += len(_remind(meeting, local=local, code=code, today=today))
    return created


@transaction.atomic
def _remind(meeting: DispatchMeeting, *, local: dt.datetime, code: str, today: dt.date) -> list[Notification]:
    with system_language():  # stored text: read later, by others
        days_left = (local.date() - today).days
        if days_left <= 0:
            when = _("今天%(time)s") % {"time": f"{local:%H:%M}"}
        elif days_left == 1:
            when = _("明天（%(date)s）%(time)s") % {"date": f"{local:%m月%d日}", "time": f"{local:%H:%M}"}
        else:
            when = _("%(days)s天后（%(date)s）%(time)s") % {
                "days": days_left,
                "date": f"{local:%m月%d日}",
                "time": f"{local:%H:%M}",
            }
        agenda = meeting.agenda_snapshot or {}
        counts = agenda.get("counts", {})
        return notify(
            kind=NotificationKind.MEETING_REMINDER,
            target=_meeting_target(meeting),
            recipients=[user for user in meeting.attendees.all() if user.is_active],
            # Keyed by the meeting's date and time: a moved meeting is reminded again for its new time.
            period=f"{local:%Y-%m-%dT%H:%M}:{code}",
            title=_("调度会提醒：%(title)s将于%(when)s在%(place)s召开")
            % {"title": meeting.title, "when": when, "place": meeting.place},
            body=_("议程：%(counts)s") % {"counts": agenda_counts_sentence(counts)},
        )
