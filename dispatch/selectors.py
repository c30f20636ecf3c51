"""Scoped reads of dispatch meetings: who may see and who may change them.

Seen by: the group's members, leaders and admins; read-only by the liaisons of the departments
invited to the meeting. Everyone else gets 404 (the same answer as for a missing meeting).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from dispatch.models import DispatchMeeting
from issues.selectors import issue_list_visible_to
from projects.models import GroupMembership, SupervisionGroup


def meeting_list_visible_to(*, user: User) -> QuerySet[DispatchMeeting]:
    meetings = DispatchMeeting.objects.select_related("group")
    if not user.is_authenticated:
        return meetings.none()
    if user.sees_everything:
        return meetings
    scope = Q(Exists(GroupMembership.objects.filter(group=OuterRef("group_id"), user=user)))
    # A liaison without a department attends no meeting (the link table's department is never NULL).
    if user.is_liaison and user.department_id is not None:
        scope |= Q(
            Exists(
                DispatchMeeting.attending_departments.through.objects.filter(
                    dispatchmeeting_id=OuterRef("pk"), department_id=user.department_id
                )
            )
        )
    return meetings.filter(scope)


def meeting_get_for_user(*, user: User, pk: int) -> DispatchMeeting:
    """The meeting or Http404: 'missing' and 'not yours' answer the same."""
    try:
        return meeting_list_visible_to(user=user).get(pk=pk)
    except (DispatchMeeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def user_may_edit_meeting(*, user: User, meeting: DispatchMeeting) -> bool:
    """Members of the meeting's group (inspectors and the lead) and admins record minutes,
    decisions, attendance and reschedule. Leaders and liaisons read."""
    if not user.is_authenticated:
        return False
    if user.is_admin_role:
        return True
    return GroupMembership.objects.filter(group_id=meeting.group_id, user=user).exists()


def user_may_edit_rule(*, user: User, group: SupervisionGroup) -> bool:
    """A group's meeting rule is managed by its lead (a role in the membership) and admins."""
    if not user.is_authenticated:
        return False
    if user.is_admin_role:
        return True
    return GroupMembership.objects.filter(group=group, user=user, role=GroupMembership.Role.LEAD).exists()


def groups_ruled_by(*, user: User) -> QuerySet[SupervisionGroup]:
    """The groups whose meeting rule the user may edit."""
    groups = SupervisionGroup.objects.select_related("meeting_rule").order_by("name")
    if not user.is_authenticated:
        return groups.none()
    if user.is_admin_role:
        return groups
    return groups.filter(memberships__user=user, memberships__role=GroupMembership.Role.LEAD)


def agenda_for_user(*, user: User, meeting: DispatchMeeting) -> dict[str, Any]:
    """The meeting's agenda snapshot as this reader may see it. Leaders and members of the
    meeting's group see every item; an invited liaison sees in full only the items his own issue
    scope holds (his department leads or assists) and the others as a count — the same rule as
    the issue pages, so the agenda never shows what /issues/<id>/ would answer 404 for."""
    agenda = dict(meeting.agenda_snapshot or {})
    rows = list(agenda.get("issues") or [])
    if user.sees_everything or GroupMembership.objects.filter(group_id=meeting.group_id, user=user).exists():
        agenda["hidden_issue_count"] = 0
        return agenda
    ids = [row["id"] for row in rows if "id" in row]
    readable = set(issue_list_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    agenda["issues"] = [row for row in rows if row.get("id") in readable]
    agenda["hidden_issue_count"] = len(rows) - len(agenda["issues"])
    return agenda
