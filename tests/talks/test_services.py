"""talks.services: who may record a talk and confirm a commitment, what is checked, the working-day
deadlines, the event rows and the compare-and-set on a commitment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import ServiceConflict, ServiceNotAllowed, ServicePermissionDenied
from core.workdays import add_working_days
from talks import services
from talks.models import CommitmentStatus, RankingList, TalkEvent
from talks.ranking import RankingSnapshot
from talks.services import CommitmentInput, TalkError
from tests.factories import DepartmentFactory
from tests.talks.conftest import record

pytestmark = pytest.mark.django_db


def test_a_lead_records_a_talk_with_commitments_due_in_working_days_and_an_event(world, issue):
    held_on = dt.date(2026, 9, 30)  # the National Day holiday follows
    talk = record(world, issues=[issue], held_on=held_on)
    due = {c.text: c.due_on for c in talk.commitments.all()}
    assert due["补正用地报批材料"] == add_working_days(held_on, 5)
    # 10-01 … 10-07 off; 10-08, 10-09, Saturday 10-10 (a make-up working day), 10-12, 10-13
    assert due["补正用地报批材料"] == dt.date(2026, 10, 13)
    assert list(talk.issues.all()) == [issue]
    assert talk.recorded_by == world.group_lead and talk.led_by == world.group_lead
    event = TalkEvent.objects.get(talk=talk)
    assert event.action == TalkEvent.Action.RECORD and event.actor == world.group_lead
    assert event.data["issue_ids"] == [issue.pk] and event.data["commitments"] == 2


def test_a_leader_records_for_no_group_and_the_ranking_snapshot_is_stored(world):
    snapshot = RankingSnapshot(month="2026-10", listed="black", reason="逾期未整改1件，最长9个工作日")
    talk = record(world, actor=world.leader, group=None, ranking=snapshot)
    assert talk.group is None
    assert (talk.ranking_month, talk.ranking_list, talk.ranking_reason) == (
        "2026-10",
        RankingList.BLACK,
        "逾期未整改1件，最长9个工作日",
    )


@pytest.mark.parametrize("who", ["inspector", "lead_liaison", "admin", "other_liaison"])
def test_only_leaders_and_group_leads_record(world, who):
    with pytest.raises(ServicePermissionDenied):
        record(world, actor=getattr(world, who))


def test_a_lead_records_only_for_a_group_he_leads(world):
    with pytest.raises(TalkError) as refused:
        record(world, actor=world.other_inspector, group=world.group)
    assert refused.value.field == "group"
    with pytest.raises(TalkError):
        record(world, actor=world.group_lead, group=None)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"agreed": ""}, "agreed"),
        ({"interviewee_name": ""}, "interviewee_name"),
        ({"interviewee_post": ""}, "interviewee_post"),
        ({"kind": "lunch"}, "kind"),
        ({"held_on": dt.date(2099, 1, 1)}, "held_on"),
        ({"commitments": [CommitmentInput("补正材料", 0)]}, "commitments"),
        ({"commitments": [CommitmentInput("补正材料", 500)]}, "commitments"),
    ],
)
def test_refusals_name_their_field_and_write_nothing(world, override, field):
    with pytest.raises(TalkError) as refused:
        record(world, **override)
    assert refused.value.field == field
    assert not TalkEvent.objects.exists()


def test_a_department_that_does_not_rectify_is_refused(world):
    commission = DepartmentFactory(name="市纪委监委派驻纪检监察组", kind="dispatched_group")
    with pytest.raises(TalkError) as refused:
        record(world, department=commission)
    assert refused.value.field == "department"


def test_linked_issues_must_be_the_departments_and_in_the_actors_sight(world, issue):
    other = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    # another department's issue
    with pytest.raises(TalkError) as refused:
        record(world, actor=world.leader, group=None, issues=[other])
    assert refused.value.field == "issues"
    # the department's issue, out of the lead's sight
    theirs = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.lead_department,
        assisting_departments=[],
    )
    with pytest.raises(TalkError):
        record(world, issues=[theirs])
    # an issue the department assists on is its own too
    talk = record(world, department=world.assisting_department, issues=[issue])
    assert list(talk.issues.all()) == [issue]


def test_empty_commitment_rows_are_ignored(world):
    talk = record(world, commitments=[CommitmentInput("  ", 3), CommitmentInput("落实整改", 3)])
    assert [c.text for c in talk.commitments.all()] == ["落实整改"]


def test_fulfilling_a_commitment_is_compare_and_set_with_an_event(world, talk_a):
    commitment = talk_a.commitments.order_by("pk").first()
    done = services.commitment_fulfil(
        commitment=commitment, actor=world.group_lead, note="材料已补正并报送。", expected_version=1
    )
    assert done.status == CommitmentStatus.FULFILLED and done.version == 2
    assert done.fulfilled_by == world.group_lead and done.fulfilled_on == timezone.localdate()
    event = TalkEvent.objects.get(commitment=commitment)
    assert event.action == TalkEvent.Action.FULFIL and event.note == "材料已补正并报送。"
    # a second confirmation (someone who read the page before) is refused, not applied twice
    with pytest.raises(ServiceNotAllowed):
        services.commitment_fulfil(commitment=commitment, actor=world.leader, note="再次确认", expected_version=1)
    assert TalkEvent.objects.filter(commitment=commitment).count() == 1


def test_a_stale_version_is_a_conflict(world, talk_a):
    commitment = talk_a.commitments.order_by("pk").first()
    with pytest.raises(ServiceConflict):
        services.commitment_fulfil(commitment=commitment, actor=world.leader, note="已落实", expected_version=7)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


def test_fulfilling_needs_a_note_and_the_right_person(world, talk_a):
    commitment = talk_a.commitments.first()
    with pytest.raises(TalkError) as refused:
        services.commitment_fulfil(commitment=commitment, actor=world.group_lead, note=" ")
    assert refused.value.field == "note"
    for who in ("inspector", "lead_liaison", "other_inspector"):
        with pytest.raises(ServicePermissionDenied):
            services.commitment_fulfil(commitment=commitment, actor=getattr(world, who), note="已落实")
    for who in ("leader",):
        services.commitment_fulfil(commitment=commitment, actor=getattr(world, who), note="已落实")
