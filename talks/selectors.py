"""Scoped reads of talks (约谈 / 提醒谈话), shared by the pages, the API, the desk and the 通报.

Who sees a talk (anyone else gets 404, the same answer as for a missing talk):
- leaders and admins: every talk;
- inspectors (group leads included): talks held for one of their groups, and talks linked to an
  issue of a project they inspect (their groups' and their valid authorizations' projects);
- a department's liaison: the talks with his own department only — never another department's.
A user with several roles sees the union.

Who records a talk: leaders (for any group, or for the commission with no group) and the leads of
active groups (for a group they lead). Who confirms a follow-up commitment fulfilled: leaders,
admins, the lead of the talk's group, and whoever led or recorded the talk. Liaisons read.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Department, User
from issues.models import Issue
from issues.selectors import issue_list_visible_to
from projects.models import GroupMembership, SupervisionGroup
from projects.selectors import project_ids_for_inspector
from talks.models import Commitment, CommitmentStatus, Talk


def talk_scope_q(*, user: User) -> Q | None:
    """The Q limiting talks to the user's scope; None means no limit (leaders, admins)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.sees_everything:
        return None
    scope = Q(pk__in=[])
    if user.is_inspector:
        scope |= Q(Exists(GroupMembership.objects.filter(group=OuterRef("group_id"), user=user)))
        # A subquery on the link table, not a join: a talk linked to several issues never repeats.
        linked = Talk.issues.through.objects.filter(
            talk_id=OuterRef("pk"), issue__project__in=project_ids_for_inspector(user=user)
        )
        scope |= Q(Exists(linked))
    # A liaison without a department has no talks (the department column is never NULL).
    if user.is_liaison and user.department_id is not None:
        scope |= Q(department_id=user.department_id)
    return scope


def talk_list_visible_to(*, user: User) -> QuerySet[Talk]:
    talks = Talk.objects.select_related("department", "group", "led_by", "recorded_by")
    scope = talk_scope_q(user=user)
    return talks if scope is None else talks.filter(scope)


def talk_get_for_user(*, user: User, pk: int) -> Talk:
    """The talk or Http404: 'missing' and 'not yours' answer the same."""
    try:
        return talk_list_visible_to(user=user).get(pk=pk)
    except (Talk.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def talk_list_with_commitments(*, user: User) -> QuerySet[Talk]:
    """The visible talks with their commitments and the linked issues this reader may open
    prefetched (list pages, API): an issue out of his scope is left out, never shown."""
    readable_issues = issue_list_visible_to(user=user).select_related(None).only("pk", "code", "title")
    return talk_list_visible_to(user=user).prefetch_related(
        Prefetch("commitments", queryset=Commitment.objects.order_by("due_on", "pk")),
        Prefetch("issues", queryset=readable_issues.order_by("pk")),
    )


def talk_issues_for_reader(*, user: User, talk: Talk) -> tuple[list[Issue], int]:
    """The talk's linked issues this reader may open, and how many others it links (shown as a
    count, so the talk page never lists what /issues/<id>/ would answer 404 for)."""
    linked = list(talk.issues.order_by("pk").values_list("pk", flat=True))
    readable = list(issue_list_visible_to(user=user).filter(pk__in=linked).order_by("pk"))
    return readable, len(linked) - len(readable)


# --- who may write ----------------------------------------------------------------------------


def groups_for_recorder(*, user: User) -> QuerySet[SupervisionGroup]:
    """The groups a talk may be recorded for by this user: every active group for a leader, the
    active groups he leads for a group lead, none for anyone else."""
    groups = SupervisionGroup.objects.filter(is_active=True).order_by("name")
    if not user.is_authenticated:
        return groups.none()
    if user.is_leader:
        return groups
    if not user.is_inspector:
        return groups.none()
    return groups.filter(memberships__user=user, memberships__role=GroupMembership.Role.LEAD)


def user_may_record_talk(*, user: User) -> bool:
    """Leaders and the leads of active groups record talks."""
    if not user.is_authenticated:
        return False
    return user.is_leader or groups_for_recorder(user=user).exists()


def user_may_record_for_group(*, user: User, group: SupervisionGroup | None) -> bool:
    """A leader records for any group or none; a group lead only for a group he leads."""
    if not user.is_authenticated:
        return False
    if user.is_leader:
        return group is None or group.is_active
    if group is None:
        return False
    return groups_for_recorder(user=user).filter(pk=group.pk).exists()


def departments_for_talks() -> QuerySet[Department]:
    """The departments a talk may be held with: those that rectify (责任单位)."""
    return Department.objects.rectifying().order_by("kind", "name")


def user_may_manage_talk(*, user: User, talk: Talk) -> bool:
    """Confirms follow-up commitments: leaders, admins, the talk's leader and recorder, and the
    lead of the talk's group."""
    if not user.is_authenticated:
        return False
    if user.sees_everything or user.pk in (talk.led_by_id, talk.recorded_by_id):
        return True
    if talk.group_id is None:
        return False
    return GroupMembership.objects.filter(
        group_id=talk.group_id, user=user, role=GroupMembership.Role.LEAD, group__is_active=True
    ).exists()


def user_may_read_department_talks(*, user: User, department: Department) -> bool:
    """The department's talks page: leaders, admins and inspectors (each sees the talks his scope
    holds), and the department's own liaisons; other liaisons get 404."""
    if not user.is_authenticated:
        return False
    if user.sees_everything or user.is_inspector:
        return True
    return user.is_liaison and user.department_id == department.pk


# --- the desk ---------------------------------------------------------------------------------


def commitments_overdue_for(*, user: User, today: dt.date) -> QuerySet[Commitment]:
    """Open commitments past their deadline that wait on this user: of talks of the groups he
    leads, and of talks he led or recorded. Oldest deadline first; one query."""
    led_groups = GroupMembership.objects.filter(
        user=user, role=GroupMembership.Role.LEAD, group__is_active=True
    ).values("group_id")
    return (
        Commitment.objects.filter(status=CommitmentStatus.OPEN, due_on__lt=today)
        .filter(Q(talk__group__in=led_groups) | Q(talk__led_by=user) | Q(talk__recorded_by=user))
        .select_related("talk", "talk__department")
        .order_by("due_on", "pk")
    )


def commitments_open_for_department(*, department_id: int | None) -> QuerySet[Commitment]:
    """The department's follow-up commitments still to be fulfilled, soonest deadline first (its
    liaison's home); one query."""
    if department_id is None:
        return Commitment.objects.none()
    return (
        Commitment.objects.filter(talk__department_id=department_id, status=CommitmentStatus.OPEN)
        .select_related("talk")
        .order_by("due_on", "pk")
    )
