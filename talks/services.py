"""Every write to talks: recording a 约谈 / 提醒谈话 with its follow-up commitments, and confirming
a commitment fulfilled. Each write leaves a TalkEvent; a commitment is changed by compare-and-set
on its status and version, so two people confirming at once cannot both win.

Functions are keyword-only; refusals raise TalkError (a core.errors.ServiceError) with a message
in the user's language (Chinese first) and, where it belongs to a form field, its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.errors import ServiceConflict, ServiceError, ServiceNotAllowed, ServicePermissionDenied
from core.workdays import add_working_days
from issues.models import Issue
from issues.selectors import issue_list_visible_to
from projects.models import SupervisionGroup
from talks.models import Commitment, CommitmentStatus, RankingList, Talk, TalkEvent, TalkKind
from talks.ranking import RankingSnapshot
from talks.selectors import user_may_manage_talk, user_may_record_for_group, user_may_record_talk

# A commitment is due within this many working days at most (about half a year).
MAX_COMMITMENT_WORKING_DAYS = 120
MAX_COMMITMENTS = 10


class TalkError(ServiceError):
    """A refusal of a talk write (400 in the API)."""


@dataclass(frozen=True)
class CommitmentInput:
    text: str
    working_days: int


def _clean(text: str | None) -> str:
    return (text or "").strip()


@transaction.atomic
def talk_record(
    *,
    actor: User,
    kind: str,
    department: Department,
    held_on: dt.date,
    interviewee_name: str,
    interviewee_post: str,
    reason: str,
    agreed: str,
    led_by: User | None = None,
    group: SupervisionGroup | None = None,
    place: str = "",
    issues: Iterable[Issue] = (),
    commitments: Sequence[CommitmentInput] = (),
    ranking: RankingSnapshot | None = None,
) -> Talk:
    """Record a talk that took place. Leaders record for any group or none; a group lead for a
    group he leads. The date may not lie ahead; linked issues must be the department's (as lead
    or assisting department) and within the actor's sight; each commitment is due `working_days`
    working days after the talk. `ranking` is the 红黑榜 snapshot the caller read (stored as is).
    Writes the talk, its commitments and one RECORD event, or nothing."""
    if not user_may_record_talk(user=actor):
        raise ServicePermissionDenied(_("只有领导或督导组组长可以记录约谈。"))
    if not user_may_record_for_group(user=actor, group=group):
        raise TalkError(
            _("请选择您担任组长的督导组。") if group is None else _("您不是该督导组组长，不能以该组名义记录约谈。"),
            field="group",
        )
    if kind not in TalkKind.values:
        raise TalkError(_("请选择谈话类型。"), field="kind")
    if not department.rectifies:
        raise TalkError(_("谈话单位须为在用的市直部门或县区政府。"), field="department")
    if held_on > timezone.localdate():
        raise TalkError(_("谈话日期不能晚于今天：请在谈话后记录。"), field="held_on")
    values = {
        "interviewee_name": _clean(interviewee_name),
        "interviewee_post": _clean(interviewee_post),
        "reason": _clean(reason),
        "agreed": _clean(agreed),
    }
    messages = {
        "interviewee_name": _("请填写谈话对象姓名。"),
        "interviewee_post": _("请填写谈话对象职务。"),
        "reason": _("请填写谈话事由。"),
        "agreed": _("请填写谈话要求及对方表态。"),
    }
    for name, value in values.items():
        if not value:
            raise TalkError(messages[name], field=name)
    led_by = led_by or actor
    if not (led_by.is_active and (led_by.is_leader or led_by.is_inspector)):
        raise TalkError(_("谈话人须为领导或督导组成员。"), field="led_by")

    issue_list = list({issue.pk: issue for issue in issues}.values())
    if issue_list:
        ids = [issue.pk for issue in issue_list]
        theirs = (
            issue_list_visible_to(user=actor)
            .filter(pk__in=ids)
            .filter(Q(lead_department=department) | Q(assisting_departments=department))
            .values_list("pk", flat=True)
            .distinct()
        )
        if len(set(theirs)) != len(ids):
            raise TalkError(_("相关问题须为该单位牵头或协办、且在您督导范围内的问题。"), field="issues")

    commitment_list = [CommitmentInput(_clean(c.text), c.working_days) for c in commitments if _clean(c.text)]
    if len(commitment_list) > MAX_COMMITMENTS:
        raise TalkError(_("一次最多记录%(n)s项承诺事项。"), field="commitments", n=MAX_COMMITMENTS)
    for commitment in commitment_list:
        if not 1 <= commitment.working_days <= MAX_COMMITMENT_WORKING_DAYS:
            raise TalkError(
                _("承诺事项的完成时限须为1至%(n)s个工作日。"), field="commitments", n=MAX_COMMITMENT_WORKING_DAYS
            )

    listed = ranking.listed if ranking is not None and ranking.listed in RankingList.values else ""
    talk = Talk.objects.create(
        kind=kind,
        department=department,
        group=group,
        held_on=held_on,
        place=_clean(place),
        led_by=led_by,
        recorded_by=actor,
        ranking_month=ranking.month if ranking is not None else "",
        ranking_list=listed,
        ranking_reason=ranking.reason if ranking is not None and listed else "",
        **values,
    )
    talk.issues.set(issue_list)
    Commitment.objects.bulk_create(
        Commitment(
            talk=talk,
            text=commitment.text,
            working_days=commitment.working_days,
            due_on=add_working_days(held_on, commitment.working_days),
        )
        for commitment in commitment_list
    )
    TalkEvent.objects.create(
        talk=talk,
        actor=actor,
        action=TalkEvent.Action.RECORD,
        data={
            "kind": kind,
            "department_id": department.pk,
            "issue_ids": [issue.pk for issue in issue_list],
            "commitments": len(commitment_list),
            "ranking": {"month": talk.ranking_month, "list": talk.ranking_list},
        },
    )
    return talk


@transaction.atomic
def commitment_fulfil(
    *, commitment: Commitment, actor: User, note: str, expected_version: int | None = None
) -> Commitment:
    """Confirm a commitment fulfilled, with a note saying how. One UPDATE guarded by the status
    (open) and the version the user saw: a stale page or a second confirmation is refused, never
    applied twice. Writes one FULFIL event."""
    talk = commitment.talk
    if not user_may_manage_talk(user=actor, talk=talk):
        raise ServicePermissionDenied(_("只有领导、谈话人、记录人或该督导组组长可以确认承诺落实。"))
    note = _clean(note)
    if not note:
        raise TalkError(_("请填写落实情况说明。"), field="note")
    version = commitment.version if expected_version is None else expected_version
    today = timezone.localdate()
    changed = Commitment.objects.filter(pk=commitment.pk, status=CommitmentStatus.OPEN, version=version).update(
        status=CommitmentStatus.FULFILLED,
        fulfilled_on=today,
        fulfilled_by=actor,
        fulfilment_note=note,
        version=F("version") + 1,
    )
    if changed != 1:
        current = Commitment.objects.select_related("fulfilled_by").get(pk=commitment.pk)
        if current.status == CommitmentStatus.FULFILLED:
            raise ServiceNotAllowed(
                _("该承诺事项已由%(who)s于%(day)s确认落实。"),
                who=current.fulfilled_by.display_name if current.fulfilled_by else "",
                day=f"{current.fulfilled_on:%Y-%m-%d}",
            )
        raise ServiceConflict(_("该承诺事项已被他人修改，请刷新页面后重试。"))
    TalkEvent.objects.create(
        talk=talk,
        commitment=commitment,
        actor=actor,
        action=TalkEvent.Action.FULFIL,
        note=note,
        data={"version": version + 1, "overdue": commitment.due_on < today},
    )
    commitment.refresh_from_db()
    return commitment
