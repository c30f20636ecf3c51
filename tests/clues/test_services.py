"""Every step of a clue's disposal: what it changes, its event, who may take it and who may not,
the state it needs, compare-and-set against a concurrent change, and the dates it accepts."""

from __future__ import annotations

import pytest

from clues import services
from clues.errors import ClueConflict, ClueInvalid, CluePermissionDenied, ClueStepNotAllowed
from clues.models import Clue, ClueEvent, ClueSource, ClueStatus, ClueSubject
from tests.clues.conftest import days_ago
from tests.factories import FindingFactory, SiteVisitFactory

A = ClueEvent.Action


def actions(clue: Clue) -> list[str]:
    return list(ClueEvent.objects.filter(clue=clue).values_list("action", flat=True))


# --- register -----------------------------------------------------------------------------------


def test_register_from_an_issue_takes_its_project_and_writes_the_event(world, clue, issue):
    assert (clue.status, clue.source, clue.issue_id, clue.project_id) == (
        ClueStatus.REGISTERED,
        ClueSource.ISSUE,
        issue.pk,
        world.project.pk,
    )
    assert [s.name for s in clue.subjects.all()] == ["甲某某", "乙某"]
    event = ClueEvent.objects.get(clue=clue)
    assert (event.action, event.actor, event.to_status) == (A.REGISTER, world.inspector, ClueStatus.REGISTERED)
    assert clue.received_on is None  # not received until handed over


def test_register_from_a_finding_and_directly(world):
    finding = FindingFactory(visit=SiteVisitFactory(project=world.project, created_by=world.inspector))
    from_finding = services.clue_register(actor=world.group_lead, finding=finding, title="线索", description="内容")
    assert (from_finding.source, from_finding.project_id) == (ClueSource.FINDING, world.project.pk)
    direct = services.clue_register(actor=world.leader, project=world.other_project, title="线索", description="内容")
    assert (direct.source, direct.project_id) == (ClueSource.DIRECT, world.other_project.pk)
    with pytest.raises(ClueInvalid):
        services.clue_register(actor=world.inspector, title="线索", description="内容")  # no project


@pytest.mark.parametrize("who", ["other_inspector", "lead_liaison", "other_liaison", "admin"])
def test_register_is_refused_outside_the_project_and_to_liaisons_and_admins(world, issue, who):
    with pytest.raises(CluePermissionDenied):
        services.clue_register(actor=getattr(world, who), issue=issue, title="线索", description="内容")
    assert not Clue.objects.exists()


def test_authorized_inspector_may_register_on_his_project(world, issue):
    clue = services.clue_register(actor=world.authorized_inspector, issue=issue, title="线索", description="内容")
    assert clue.project_id == world.project.pk


# --- hand over (移送) ----------------------------------------------------------------------------


def test_hand_over_by_the_group_lead_counts_the_clue_as_received(world, clue):
    services.clue_hand_over(
        clue=clue, actor=world.group_lead, received_on=days_ago(3), handed_over_to=world.lead_department
    )
    clue.refresh_from_db()
    assert (clue.status, clue.received_on) == (ClueStatus.HANDED_OVER, days_ago(3))
    event = ClueEvent.objects.filter(clue=clue).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        A.HAND_OVER,
        ClueStatus.REGISTERED,
        ClueStatus.HANDED_OVER,
        world.group_lead,
    )


@pytest.mark.parametrize("who", ["inspector", "authorized_inspector", "other_inspector", "lead_liaison", "admin"])
def test_hand_over_is_the_lead_s_or_a_leader_s(world, clue, who):
    with pytest.raises(CluePermissionDenied):
        services.clue_hand_over(clue=clue, actor=getattr(world, who))
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REGISTERED and actions(clue) == [A.REGISTER]


def test_hand_over_needs_a_person_concerned_and_a_day_not_in_the_future(world):
    bare = services.clue_register(actor=world.inspector, project=world.project, title="线索", description="内容")
    with pytest.raises(ClueInvalid):
        services.clue_hand_over(clue=bare, actor=world.leader)
    services.clue_add_subject(clue=bare, actor=world.inspector, name="丙某", post="股长")
    with pytest.raises(ClueInvalid):
        services.clue_hand_over(clue=bare, actor=world.leader, received_on=days_ago(-1))
    services.clue_hand_over(clue=bare, actor=world.leader)
    assert actions(bare) == [A.REGISTER, A.ADD_SUBJECT, A.HAND_OVER]


# --- 初步核实 and the disposals -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["inspector", "group_lead", "authorized_inspector", "leader"])
def test_verification_is_started_by_the_project_s_inspectors_and_leaders(world, clue, who):
    services.clue_hand_over(clue=clue, actor=world.leader)
    services.clue_start_verification(clue=clue, actor=getattr(world, who), note="核实中。")
    clue.refresh_from_db()
    assert clue.status == ClueStatus.VERIFYING and clue.verification_note == "核实中。"


@pytest.mark.parametrize("who", ["other_inspector", "lead_liaison", "admin"])
def test_verification_is_refused_to_others(world, clue, who):
    services.clue_hand_over(clue=clue, actor=world.leader)
    with pytest.raises(CluePermissionDenied):
        services.clue_start_verification(clue=clue, actor=getattr(world, who), note="核实中。")


def test_verification_before_the_hand_over_is_not_allowed(world, clue):
    with pytest.raises(ClueStepNotAllowed):
        services.clue_start_verification(clue=clue, actor=world.inspector, note="核实中。")


@pytest.mark.parametrize(
    "disposal, status", [("close", ClueStatus.CLOSED), ("talk", ClueStatus.TALK), ("shelve", ClueStatus.SHELVED)]
)
@pytest.mark.parametrize("who", ["group_lead", "leader"])
def test_the_lead_or_a_leader_disposes(world, verifying, disposal, status, who):
    services.clue_dispose(
        clue=verifying, actor=getattr(world, who), disposal=disposal, note="处置意见。", on=days_ago(10)
    )
    verifying.refresh_from_db()
    assert (verifying.status, verifying.disposed_on, verifying.filed_on) == (status, days_ago(10), None)
    assert actions(verifying)[-1] == disposal


@pytest.mark.parametrize("disposal", ["close", "talk", "shelve", "file_case"])
@pytest.mark.parametrize("who", ["inspector", "authorized_inspector", "other_inspector", "lead_liaison", "admin"])
def test_plain_inspectors_and_others_may_not_dispose(world, verifying, disposal, who):
    with pytest.raises(CluePermissionDenied):
        services.clue_dispose(clue=verifying, actor=getattr(world, who), disposal=disposal, note="意见。")


def test_only_a_leader_files_a_case(world, verifying):
    with pytest.raises(CluePermissionDenied):
        services.clue_dispose(clue=verifying, actor=world.group_lead, disposal="file_case", note="立案。")
    services.clue_dispose(clue=verifying, actor=world.leader, disposal="file_case", note="立案。", on=days_ago(5))
    verifying.refresh_from_db()
    assert (verifying.status, verifying.filed_on) == (ClueStatus.CASE, days_ago(5))


def test_a_disposal_day_before_the_verification_is_refused(world, verifying):
    with pytest.raises(ClueInvalid):
        services.clue_dispose(clue=verifying, actor=world.leader, disposal="close", note="了结。", on=days_ago(29))


def test_a_shelved_clue_is_resumed_by_the_lead(world, verifying):
    services.clue_dispose(clue=verifying, actor=world.group_lead, disposal="shelve", note="暂存。")
    with pytest.raises(CluePermissionDenied):
        services.clue_resume(clue=verifying, actor=world.inspector, note="新情况。")
    services.clue_resume(clue=verifying, actor=world.group_lead, note="出现新情况。")
    verifying.refresh_from_db()
    assert verifying.status == ClueStatus.VERIFYING and actions(verifying)[-1] == A.RESUME


def test_a_closed_clue_takes_no_further_step(world, verifying):
    services.clue_dispose(clue=verifying, actor=world.group_lead, disposal="close", note="了结。")
    with pytest.raises(ClueStepNotAllowed):
        services.clue_dispose(clue=verifying, actor=world.leader, disposal="file_case", note="立案。")
    with pytest.raises(ClueStepNotAllowed):
        services.clue_expose(clue=verifying, actor=world.leader, exposed_on=None, named=[], note="通报。")


# --- outcome, conclusion, public notice ------------------------------------------------------------


def test_a_leader_records_each_person_s_outcome_then_concludes(world, case):
    first, second = case.subjects.all()
    services.clue_record_outcome(
        clue=case,
        actor=world.leader,
        subject=first,
        supervision_form="3",
        party_sanction="probation",
        government_sanction="dismissal_from_post",
        organizational_measure="removal",
        decided_on=days_ago(4),
    )
    with pytest.raises(ClueInvalid):  # not everyone has his outcome yet
        services.clue_conclude(clue=case, actor=world.leader, note="终结。")
    services.clue_record_outcome(
        clue=case, actor=world.leader, subject=second, supervision_form="1", decided_on=days_ago(4)
    )
    services.clue_conclude(clue=case, actor=world.leader, note="审查调查终结。", on=days_ago(3))
    case.refresh_from_db()
    first.refresh_from_db()
    assert (case.status, case.concluded_on) == (ClueStatus.CONCLUDED, days_ago(3))
    assert (first.party_sanction, first.government_sanction, first.organizational_measure, first.decided_on) == (
        "probation",
        "dismissal_from_post",
        "removal",
        days_ago(4),
    )
    assert actions(case)[-3:] == [A.OUTCOME, A.OUTCOME, A.CONCLUDE]


@pytest.mark.parametrize("who", ["group_lead", "inspector", "other_inspector", "lead_liaison", "admin"])
def test_only_leaders_record_outcomes_conclude_and_expose(world, case, who):
    subject = case.subjects.first()
    actor = getattr(world, who)
    with pytest.raises(CluePermissionDenied):
        services.clue_record_outcome(
            clue=case, actor=actor, subject=subject, supervision_form="2", party_sanction="warning"
        )
    with pytest.raises(CluePermissionDenied):
        services.clue_conclude(clue=case, actor=actor, note="终结。")
    with pytest.raises(CluePermissionDenied):
        services.clue_expose(clue=case, actor=actor, exposed_on=None, named=[], note="通报。")


def test_outcome_rules(world, case, verifying):
    subject = case.subjects.first()
    with pytest.raises(ClueInvalid):  # a sanction is not the first form
        services.clue_record_outcome(
            clue=case, actor=world.leader, subject=subject, supervision_form="1", party_sanction="warning"
        )
    with pytest.raises(ClueInvalid):  # a form is required
        services.clue_record_outcome(clue=case, actor=world.leader, subject=subject, supervision_form="")
    services.clue_record_outcome(
        clue=case, actor=world.leader, subject=subject, supervision_form="2", party_sanction="warning"
    )
    with pytest.raises(ClueConflict):  # once per person
        services.clue_record_outcome(
            clue=case, actor=world.leader, subject=subject, supervision_form="2", government_sanction="warning"
        )


def test_after_a_talk_only_the_first_form_without_sanction(world, verifying):
    services.clue_dispose(clue=verifying, actor=world.group_lead, disposal="talk", note="谈话函询。")
    subject = verifying.subjects.first()
    with pytest.raises(ClueInvalid):
        services.clue_record_outcome(
            clue=verifying, actor=world.leader, subject=subject, supervision_form="2", party_sanction="warning"
        )
    services.clue_record_outcome(
        clue=verifying, actor=world.leader, subject=subject, supervision_form="1", note="批评教育。"
    )
    subject.refresh_from_db()
    assert subject.supervision_form == "1" and not subject.sanctioned


def test_a_person_of_another_clue_is_refused(world, case, issue):
    other = services.clue_register(
        actor=world.inspector, issue=issue, title="另一线索", description="内容", subjects=[{"name": "丁某"}]
    )
    with pytest.raises(ClueInvalid):
        services.clue_record_outcome(
            clue=case, actor=world.leader, subject=other.subjects.get(), supervision_form="2", party_sanction="warning"
        )
    with pytest.raises(ClueInvalid):
        services.clue_expose(
            clue=case, actor=world.leader, exposed_on=None, named=[other.subjects.get()], note="通报。"
        )


def test_expose_once_naming_people(world, case):
    first, second = case.subjects.all()
    services.clue_expose(
        clue=case, actor=world.leader, exposed_on=days_ago(1), named=[first], note="市纪委监委网站通报。"
    )
    case.refresh_from_db()
    assert case.exposed_on == days_ago(1)
    assert list(ClueSubject.objects.filter(clue=case, exposed=True)) == [first]
    with pytest.raises(ClueStepNotAllowed):
        services.clue_expose(clue=case, actor=world.leader, exposed_on=None, named=[second], note="再次通报。")
    assert actions(case)[-1] == A.EXPOSE


# --- compare-and-set ----------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, clue):
    with pytest.raises(ClueConflict):
        services.clue_hand_over(clue=clue, actor=world.leader, expected_version=clue.version - 1 or 99)
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REGISTERED and actions(clue) == [A.REGISTER]


def test_a_concurrent_step_is_a_conflict_not_a_lost_update(world, verifying):
    stale = Clue.objects.get(pk=verifying.pk)
    services.clue_dispose(clue=verifying, actor=world.group_lead, disposal="close", note="了结。")
    with pytest.raises(ClueConflict):
        services.clue_dispose(clue=stale, actor=world.leader, disposal="file_case", note="立案。")
    verifying.refresh_from_db()
    assert verifying.status == ClueStatus.CLOSED and verifying.filed_on is None


def test_every_step_counts_the_version_up(world, case):
    versions = list(ClueEvent.objects.filter(clue=case).values_list("data__version", flat=True))
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    case.refresh_from_db()
    assert case.version == versions[-1]
