"""The issue state machine: every allowed and forbidden transition per role, events, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from issues import services
from issues.errors import IssueConflict, IssueInvalidInput, IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import ExtensionRequest, Issue, IssueEvent, IssueStatus

ROLES = [
    "leader",
    "admin",
    "inspector",
    "group_lead",
    "other_inspector",
    "authorized_inspector",
    "lead_liaison",
    "assisting_liaison",
    "other_liaison",
]
INSPECTORS_OF_PROJECT = {"inspector", "group_lead", "authorized_inspector"}


def _bring_to(world, issue: Issue, status: str) -> Issue:
    """Walk the issue (handed off by world.inspector) to `status` the way the workflow allows: the
    handing inspector proposes 销号, the group lead confirms it."""
    if status in (IssueStatus.IN_PROGRESS, IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED):
        services.issue_sign(issue=issue, actor=world.lead_liaison)
    if status in (IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED):
        services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改完毕")
    if status in (IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED):
        services.issue_propose_close(issue=issue, actor=world.inspector, note="佐证材料齐全，整改到位")
    if status == IssueStatus.CLOSED:
        services.issue_confirm_close(issue=issue, actor=world.group_lead)
    if status == IssueStatus.WITHDRAWN:
        services.issue_withdraw(issue=issue, actor=world.inspector, reason="重复交办")
    issue.refresh_from_db()
    return issue


def _call(action: str, issue: Issue, actor):
    match action:
        case "sign":
            return services.issue_sign(issue=issue, actor=actor)
        case "submit":
            return services.issue_submit(issue=issue, actor=actor, note="整改完成")
        case "propose_close":
            return services.issue_propose_close(issue=issue, actor=actor, note="核验属实")
        case "confirm_close":
            return services.issue_confirm_close(issue=issue, actor=actor, note="同意")
        case "reject_close":
            return services.issue_reject_close(issue=issue, actor=actor, note="佐证材料需再核")
        case "return":
            return services.issue_return(issue=issue, actor=actor, reason="佐证材料不足")
        case "reopen":
            return services.issue_reopen(issue=issue, actor=actor, note="回头看发现问题反弹")
        case "withdraw":
            return services.issue_withdraw(issue=issue, actor=actor, reason="交办有误")


LEAD_OR_LEADER = {"group_lead", "leader"}

# (action, status it starts from, status it ends in, the roles allowed)
TRANSITIONS = [
    ("sign", IssueStatus.HANDED_OFF, IssueStatus.IN_PROGRESS, {"lead_liaison"}),
    ("submit", IssueStatus.IN_PROGRESS, IssueStatus.SUBMITTED, {"lead_liaison"}),
    ("propose_close", IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED, INSPECTORS_OF_PROJECT),
    ("return", IssueStatus.SUBMITTED, IssueStatus.IN_PROGRESS, INSPECTORS_OF_PROJECT),
    # proposed by world.inspector, who also handed it off: he is never the second signature
    ("confirm_close", IssueStatus.CLOSE_PROPOSED, IssueStatus.CLOSED, LEAD_OR_LEADER),
    ("reject_close", IssueStatus.CLOSE_PROPOSED, IssueStatus.SUBMITTED, LEAD_OR_LEADER),
    ("reopen", IssueStatus.CLOSED, IssueStatus.IN_PROGRESS, INSPECTORS_OF_PROJECT),
    ("reopen", IssueStatus.CLOSE_PROPOSED, IssueStatus.IN_PROGRESS, INSPECTORS_OF_PROJECT),
    ("withdraw", IssueStatus.HANDED_OFF, IssueStatus.WITHDRAWN, INSPECTORS_OF_PROJECT),
    ("withdraw", IssueStatus.IN_PROGRESS, IssueStatus.WITHDRAWN, INSPECTORS_OF_PROJECT),
    ("withdraw", IssueStatus.SUBMITTED, IssueStatus.WITHDRAWN, INSPECTORS_OF_PROJECT),
    ("withdraw", IssueStatus.CLOSE_PROPOSED, IssueStatus.WITHDRAWN, INSPECTORS_OF_PROJECT),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "start", "end", "allowed"), TRANSITIONS)
def test_transition_allowed_only_for_its_roles(world, role, action, start, end, allowed):
    issue = _bring_to(world, world.hand_off(), start)
    events_before = IssueEvent.objects.filter(issue=issue).count()
    actor = getattr(world, role)
    if role in allowed:
        _call(action, issue, actor)
        issue.refresh_from_db()
        assert issue.status == end
        event = IssueEvent.objects.filter(issue=issue).latest("id")
        assert (event.actor, event.from_status, event.to_status) == (actor, start, end)
    else:
        with pytest.raises(IssuePermissionDenied) as caught:
            _call(action, issue, actor)
        assert "无权" in str(caught.value)
        issue.refresh_from_db()
        assert issue.status == start
        assert IssueEvent.objects.filter(issue=issue).count() == events_before


WRONG_STATE = [
    ("sign", IssueStatus.IN_PROGRESS, "lead_liaison"),
    ("sign", IssueStatus.CLOSED, "lead_liaison"),
    ("submit", IssueStatus.HANDED_OFF, "lead_liaison"),
    ("submit", IssueStatus.SUBMITTED, "lead_liaison"),
    ("return", IssueStatus.IN_PROGRESS, "inspector"),
    ("return", IssueStatus.CLOSE_PROPOSED, "inspector"),
    ("propose_close", IssueStatus.IN_PROGRESS, "inspector"),
    ("propose_close", IssueStatus.CLOSE_PROPOSED, "group_lead"),
    ("confirm_close", IssueStatus.SUBMITTED, "group_lead"),
    ("confirm_close", IssueStatus.CLOSED, "leader"),
    ("reject_close", IssueStatus.SUBMITTED, "group_lead"),
    ("reopen", IssueStatus.SUBMITTED, "group_lead"),
    ("reopen", IssueStatus.WITHDRAWN, "inspector"),
    ("withdraw", IssueStatus.CLOSED, "inspector"),
    ("withdraw", IssueStatus.WITHDRAWN, "inspector"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "start", "role"), WRONG_STATE)
def test_transition_from_wrong_state_raises_typed_chinese_error(world, action, start, role):
    issue = _bring_to(world, world.hand_off(), start)
    with pytest.raises(IssueTransitionNotAllowed) as caught:
        _call(action, issue, getattr(world, role))
    assert "状态" in str(caught.value) and "不能" in str(caught.value)
    issue.refresh_from_db()
    assert issue.status == start


@pytest.mark.django_db
def test_hand_off_writes_event_code_and_working_day_deadlines(world, today):
    issue = world.hand_off()
    assert issue.code.startswith(f"DD{today:%Y}-")
    assert issue.status == IssueStatus.HANDED_OFF
    assert issue.sign_deadline > today and issue.rectification_deadline > issue.sign_deadline
    event = issue.events.get()
    assert event.action == IssueEvent.Action.HAND_OFF and event.actor == world.inspector
    assert list(issue.assisting_departments.all()) == [world.assisting_department]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other_inspector", "lead_liaison", "leader", "admin"])
def test_only_inspectors_of_the_project_hand_off(world, role):
    with pytest.raises(IssuePermissionDenied):
        world.hand_off(actor=getattr(world, role))
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_hand_off_refuses_bad_input_with_field_and_chinese_message(world, today):
    with pytest.raises(IssueInvalidInput) as caught:
        world.hand_off(title="  ")
    assert caught.value.field == "title" and "标题" in str(caught.value)
    with pytest.raises(IssueInvalidInput) as caught:
        world.hand_off(sign_deadline=today + dt.timedelta(days=5), rectification_deadline=today + dt.timedelta(days=2))
    assert caught.value.field == "rectification_deadline"
    with pytest.raises(IssueInvalidInput) as caught:
        world.hand_off(assisting_departments=[world.lead_department])
    assert caught.value.field == "assisting_departments"


@pytest.mark.django_db
def test_return_counts_and_resubmission_closes(world, issue):
    _bring_to(world, issue, IssueStatus.SUBMITTED)
    services.issue_return(issue=issue, actor=world.group_lead, reason="未见整改佐证")
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="补充材料")
    services.issue_return(issue=issue, actor=world.inspector, reason="仍不完整")
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="再次补充")
    services.issue_propose_close(issue=issue, actor=world.authorized_inspector, note="核验通过")
    services.issue_confirm_close(issue=issue, actor=world.group_lead, note="同意销号")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED and issue.return_count == 2 and issue.closed_at
    actions = list(issue.events.values_list("action", flat=True))
    assert actions == [
        "hand_off",
        "sign",
        "submit",
        "return",
        "submit",
        "return",
        "submit",
        "propose_close",
        "close",
    ]


@pytest.mark.django_db
def test_a_returned_issue_goes_back_to_the_last_progress_short_of_completion(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="完成四成。", percent=40)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="全部完成。", percent=100)
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改")
    issue.refresh_from_db()
    assert issue.progress_percent == 100
    services.issue_return(issue=issue, actor=world.inspector, reason="未见整改佐证")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS and issue.progress_percent == 40


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["return", "withdraw"])
def test_return_and_withdraw_need_a_reason(world, issue, action):
    _bring_to(world, issue, IssueStatus.SUBMITTED)
    call = services.issue_return if action == "return" else services.issue_withdraw
    with pytest.raises(IssueInvalidInput) as caught:
        call(issue=issue, actor=world.inspector, reason=" ")
    assert "理由" in str(caught.value)


@pytest.mark.django_db
def test_stale_version_is_a_conflict_not_an_overwrite(world, issue):
    stale = Issue.objects.get(pk=issue.pk)
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    with pytest.raises(IssueConflict) as caught:
        services.issue_sign(issue=stale, actor=world.lead_liaison)
    # The stale copy still says handed_off, so the rule check passes and the CAS must catch it.
    assert "他人修改" in str(caught.value)
    assert issue.events.filter(action="sign").count() == 1


@pytest.mark.django_db
def test_expected_version_from_a_form_is_checked(world, issue):
    with pytest.raises(IssueConflict):
        services.issue_sign(issue=issue, actor=world.lead_liaison, expected_version=issue.version + 1)
    services.issue_sign(issue=issue, actor=world.lead_liaison, expected_version=issue.version)


@pytest.mark.django_db
def test_extension_request_approve_moves_deadline(world, issue):
    _bring_to(world, issue, IssueStatus.IN_PROGRESS)
    old = issue.rectification_deadline
    request = services.extension_request_create(
        issue=issue,
        actor=world.lead_liaison,
        requested_deadline=old + dt.timedelta(days=10),
        reason="林地审批需省级批复",
    )
    with pytest.raises(IssueTransitionNotAllowed):
        services.extension_request_create(
            issue=issue, actor=world.lead_liaison, requested_deadline=old + dt.timedelta(days=20), reason="再延"
        )
    for refused in (world.lead_liaison, world.inspector, world.authorized_inspector):
        with pytest.raises(IssuePermissionDenied) as caught:
            services.extension_request_decide(issue=issue, extension_id=request.pk, actor=refused, approve=True)
        assert "您无权审批延期：只有该问题所属督导组的组长或领导可以审批。" == str(caught.value)
    services.extension_request_decide(
        issue=issue, extension_id=request.pk, actor=world.group_lead, approve=True, note="同意"
    )
    issue.refresh_from_db()
    assert issue.rectification_deadline == old + dt.timedelta(days=10)
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.APPROVED
    assert list(issue.events.values_list("action", flat=True))[-2:] == ["extension_request", "extension_approve"]


@pytest.mark.django_db
def test_extension_deny_needs_reason_and_keeps_deadline(world, issue):
    _bring_to(world, issue, IssueStatus.IN_PROGRESS)
    old = issue.rectification_deadline
    request = services.extension_request_create(
        issue=issue, actor=world.lead_liaison, requested_deadline=old + dt.timedelta(days=5), reason="人手不足"
    )
    with pytest.raises(IssueInvalidInput):
        services.extension_request_decide(issue=issue, extension_id=request.pk, actor=world.group_lead, approve=False)
    services.extension_request_decide(
        issue=issue, extension_id=request.pk, actor=world.group_lead, approve=False, note="理由不充分"
    )
    with pytest.raises(IssueConflict):
        services.extension_request_decide(issue=issue, extension_id=request.pk, actor=world.leader, approve=True)
    issue.refresh_from_db()
    assert issue.rectification_deadline == old


@pytest.mark.django_db
def test_extension_must_move_deadline_later(world, issue):
    _bring_to(world, issue, IssueStatus.IN_PROGRESS)
    with pytest.raises(IssueInvalidInput) as caught:
        services.extension_request_create(
            issue=issue, actor=world.lead_liaison, requested_deadline=issue.rectification_deadline, reason="x"
        )
    assert caught.value.field == "requested_deadline"


@pytest.mark.django_db
def test_progress_from_lead_sets_percent_and_assisting_adds_note(world, issue):
    with pytest.raises(IssueTransitionNotAllowed):
        services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="先报进展", percent=10)
    _bring_to(world, issue, IssueStatus.IN_PROGRESS)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="已完成材料补正", percent=60)
    services.issue_progress_add(issue=issue, actor=world.assisting_liaison, text="林地手续已配合办理", percent=90)
    with pytest.raises(IssuePermissionDenied):
        services.issue_progress_add(issue=issue, actor=world.other_liaison, text="无关", percent=1)
    issue.refresh_from_db()
    assert issue.progress_percent == 60  # only the lead reports the overall percent
    assert list(issue.updates.values_list("percent", flat=True)) == [60, None]
    assert list(issue.events.values_list("action", flat=True))[-2:] == ["progress", "note"]


@pytest.mark.django_db
def test_only_leaders_instruct(world, issue):
    instruction = services.instruction_create(issue=issue, actor=world.leader, text="请市自然资源局限期整改到位")
    assert issue.events.filter(action="instruction").count() == 1
    assert instruction.leader == world.leader
    with pytest.raises(IssuePermissionDenied):
        services.instruction_create(issue=issue, actor=world.inspector, text="批示")


@pytest.mark.django_db
def test_conflict_tells_what_changed_since_the_user_read_it(world, issue):
    import datetime as dt

    read_at = issue.version
    stale = Issue.objects.get(pk=issue.pk)
    services.issue_edit(
        issue=issue,
        actor=world.group_lead,
        expected_version=read_at,
        title=issue.title,
        description=issue.description,
        category=issue.category,
        severity=issue.severity,
        sign_deadline=issue.sign_deadline,
        rectification_deadline=issue.rectification_deadline + dt.timedelta(days=7),
    )
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    with pytest.raises(IssueConflict) as caught:
        services.issue_withdraw(issue=stale, actor=world.inspector, reason="交办有误", expected_version=read_at)
    message = str(caught.value)
    assert "期间的变更" in message
    assert "李组长 修改交办内容（整改时限：" in message and "刘联络员 签收" in message
    assert len(caught.value.changes) == 2


@pytest.mark.django_db
def test_edit_refuses_a_deadline_moved_into_the_past_but_keeps_one_that_passed(world, issue):
    from django.utils import timezone

    def edit(**deadlines):
        issue.refresh_from_db()
        return services.issue_edit(
            issue=issue,
            actor=world.inspector,
            expected_version=issue.version,
            title="改过的标题",
            description=issue.description,
            category=issue.category,
            severity=issue.severity,
            **{
                "sign_deadline": issue.sign_deadline,
                "rectification_deadline": issue.rectification_deadline,
                **deadlines,
            },
        )

    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    with pytest.raises(IssueInvalidInput) as refused:
        edit(sign_deadline=yesterday)
    assert refused.value.field == "sign_deadline" and "不能早于今天" in str(refused.value)
    with pytest.raises(IssueInvalidInput) as refused:
        edit(sign_deadline=yesterday - dt.timedelta(days=1), rectification_deadline=yesterday)
    assert refused.value.field == "sign_deadline"
    with pytest.raises(IssueInvalidInput) as refused:
        edit(rectification_deadline=yesterday)
    assert refused.value.field == "rectification_deadline"
    issue.refresh_from_db()
    assert issue.title != "改过的标题"

    edit(sign_deadline=today)  # today is not the past
    # A sign-for deadline that has passed since the hand-off stays as it was while the title changes.
    Issue.objects.filter(pk=issue.pk).update(sign_deadline=yesterday)
    edit()
    issue.refresh_from_db()
    assert issue.title == "改过的标题" and issue.sign_deadline == yesterday


@pytest.mark.django_db
def test_extension_decide_picks_only_this_issues_request(world, issue):
    _bring_to(world, issue, IssueStatus.IN_PROGRESS)
    other = world.hand_off(title="另一问题")
    _bring_to(world, other, IssueStatus.IN_PROGRESS)
    theirs = services.extension_request_create(
        issue=other,
        actor=world.lead_liaison,
        requested_deadline=other.rectification_deadline + dt.timedelta(days=5),
        reason="等待批复",
    )
    with pytest.raises(IssueInvalidInput) as refused:  # another issue's request, by id
        services.extension_request_decide(issue=issue, extension_id=theirs.pk, actor=world.group_lead, approve=True)
    assert refused.value.field == "extension_id"
    with pytest.raises(IssueInvalidInput):  # no id and nothing pending on this issue
        services.extension_request_decide(issue=issue, actor=world.group_lead, approve=True)
    services.extension_request_decide(issue=other, actor=world.group_lead, approve=True)  # the pending one
    theirs.refresh_from_db()
    assert theirs.status == ExtensionRequest.Status.APPROVED
