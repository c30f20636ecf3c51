"""Who may do what to a clue, declared once: the services check it, the pages and the API show
only the steps it allows.

Reading (clues.selectors): leaders and admins see every clue; an inspector sees the clues of the
projects he inspects (his groups' and his valid authorizations'); a department liaison never
sees any — not even one naming his own department — whatever other role he holds besides,
unless he is also a leader.

Acting — the commission's steps, each with who decides it and why:

- 登记 (register), edit, add the people concerned: the project's inspectors (the lead included)
  and leaders — whoever found the problem writes it down.
- 移送 (hand over to the case-handling side): the group lead of the project or a leader — the
  group hands a clue over as a body, not one member alone.
- 初步核实 (start the preliminary verification): the project's inspectors and leaders — the
  特派纪检监察员 do the verifying on the ground.
- 了结 / 谈话函询 / 暂存待查, and 恢复核实 of a shelved clue: the group lead or a leader — a
  disposal is signed by the one who answers for the group.
- 立案审查调查 (file a case), the outcome per person concerned (四种形态, 党纪处分, 政务处分,
  组织处理), 审查调查终结, 通报曝光: leaders only — the commission's leadership decides a case,
  its sanctions and a public notice; a group lead proposes them in the verification note.
- Admins read (back office) and never act.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clues.models import Clue, ClueEvent, ClueStatus
from projects.selectors import user_can_inspect_project, user_leads_group_of_project


class Actor(StrEnum):
    MEMBER = "member"  # the project's inspectors (lead included) and leaders
    LEAD = "lead"  # the project's group lead and leaders
    LEADER = "leader"  # leaders only


@dataclass(frozen=True)
class Step:
    action: str
    label: Promise
    sources: tuple[str, ...]
    target: str | None  # None: the status stays
    actor: Actor


S = ClueStatus
A = ClueEvent.Action
STEPS: dict[str, Step] = {
    step.action: step
    for step in (
        Step(A.EDIT, _("修改线索"), (S.REGISTERED,), None, Actor.MEMBER),
        Step(A.ADD_SUBJECT, _("增加涉及人员"), (S.REGISTERED, S.HANDED_OVER, S.VERIFYING, S.CASE), None, Actor.MEMBER),
        Step(A.HAND_OVER, _("移送"), (S.REGISTERED,), S.HANDED_OVER, Actor.LEAD),
        Step(A.VERIFY, _("初步核实"), (S.HANDED_OVER,), S.VERIFYING, Actor.MEMBER),
        Step(A.CLOSE, _("予以了结"), (S.VERIFYING,), S.CLOSED, Actor.LEAD),
        Step(A.TALK, _("谈话函询"), (S.VERIFYING,), S.TALK, Actor.LEAD),
        Step(A.SHELVE, _("暂存待查"), (S.VERIFYING,), S.SHELVED, Actor.LEAD),
        Step(A.RESUME, _("恢复核实"), (S.SHELVED,), S.VERIFYING, Actor.LEAD),
        Step(A.FILE_CASE, _("立案审查调查"), (S.VERIFYING,), S.CASE, Actor.LEADER),
        # 谈话函询 may end in 批评教育 (第一种形态) for the person talked to; a case in any form.
        Step(A.OUTCOME, _("登记处理结果"), (S.TALK, S.CASE), None, Actor.LEADER),
        Step(A.CONCLUDE, _("审查调查终结"), (S.CASE,), S.CONCLUDED, Actor.LEADER),
        Step(A.EXPOSE, _("通报曝光"), (S.TALK, S.CASE, S.CONCLUDED), None, Actor.LEADER),
    )
}
# The three disposals a group lead may sign, beside 立案 which is the leaders'.
DISPOSALS = (A.CLOSE, A.TALK, A.SHELVE, A.FILE_CASE)


def user_may_register_on(*, user: User, project_id: int) -> bool:
    """Whether the user may enter a clue on this project (the 移交问题线索 buttons ask it)."""
    if not user.is_authenticated:
        return False
    if user.is_leader:
        return True
    return not user.is_liaison and user_can_inspect_project(user=user, project_id=project_id)


def actor_allowed(*, user: User, clue: Clue, actor: Actor) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_leader:
        return True
    if actor is Actor.LEADER or user.is_liaison:
        return False
    if actor is Actor.LEAD:
        return user_leads_group_of_project(user=user, project_id=clue.project_id)
    return user_can_inspect_project(user=user, project_id=clue.project_id)


def step_allowed(*, user: User, clue: Clue, action: str) -> bool:
    """Both the status and the actor allow it."""
    step = STEPS[action]
    return clue.status in step.sources and actor_allowed(user=user, clue=clue, actor=step.actor)


def steps_for(*, user: User, clue: Clue) -> list[Step]:
    """The steps the user may take now (for the page's forms and the API's `allowed_steps`).
    At most three permission queries whatever the number of steps."""
    if not user.is_authenticated:
        return []
    roles: dict[Actor, bool] = {}
    allowed = []
    for step in STEPS.values():
        if clue.status not in step.sources:
            continue
        if step.actor not in roles:
            roles[step.actor] = actor_allowed(user=user, clue=clue, actor=step.actor)
        if roles[step.actor]:
            allowed.append(step)
    return allowed
