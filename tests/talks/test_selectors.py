"""Who sees which talk: leaders and admins all; inspectors their groups' talks and talks linked to
issues of their projects; a liaison only his own department's; the desk's overdue commitments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from talks.selectors import (
    commitments_overdue_for,
    talk_get_for_user,
    talk_issues_for_reader,
    talk_list_visible_to,
    user_may_manage_talk,
    user_may_read_department_talks,
)
from tests.talks.conftest import record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "sees_a", "sees_b"),
    [
        ("leader", True, True),
        ("admin", True, True),
        ("inspector", True, False),  # member of group A
        ("group_lead", True, False),
        ("other_inspector", False, True),
        ("authorized_inspector", True, False),  # holds an authorization for project A: issue A is linked
        ("lead_liaison", True, False),
        ("assisting_liaison", False, False),  # talks are with one department: never another's
        ("other_liaison", False, True),
    ],
)
def test_talk_scope(world, talk_a, talk_b, who, sees_a, sees_b):
    user = getattr(world, who)
    visible = set(talk_list_visible_to(user=user).values_list("pk", flat=True))
    assert (talk_a.pk in visible, talk_b.pk in visible) == (sees_a, sees_b)
    for talk, sees in ((talk_a, sees_a), (talk_b, sees_b)):
        if sees:
            assert talk_get_for_user(user=user, pk=talk.pk) == talk
        else:
            with pytest.raises(Http404):
                talk_get_for_user(user=user, pk=talk.pk)


def test_missing_and_malformed_ids_answer_404(world):
    for pk in (999999, "x"):
        with pytest.raises(Http404):
            talk_get_for_user(user=world.leader, pk=pk)


def test_a_liaison_without_department_sees_nothing(world, talk_a):
    world.lead_liaison.department = None
    world.lead_liaison.save()
    assert not talk_list_visible_to(user=world.lead_liaison).exists()


def test_linked_issues_out_of_the_readers_scope_are_counted_not_listed(world, issue):
    theirs = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.lead_department,
        assisting_departments=[],
    )
    talk = record(world, actor=world.leader, group=world.group, issues=[issue, theirs])
    readable, hidden = talk_issues_for_reader(user=world.inspector, talk=talk)
    assert readable == [issue] and hidden == 1
    readable, hidden = talk_issues_for_reader(user=world.lead_liaison, talk=talk)
    assert readable == [issue, theirs] and hidden == 0


def test_who_manages_a_talk(world, talk_a, talk_b):
    assert user_may_manage_talk(user=world.group_lead, talk=talk_a)
    assert user_may_manage_talk(user=world.leader, talk=talk_a)
    assert not user_may_manage_talk(user=world.inspector, talk=talk_a)  # a member, not the lead
    assert not user_may_manage_talk(user=world.lead_liaison, talk=talk_a)
    assert not user_may_manage_talk(user=world.other_inspector, talk=talk_a)
    assert user_may_manage_talk(user=world.other_inspector, talk=talk_b)


def test_department_page_readers(world):
    assert user_may_read_department_talks(user=world.lead_liaison, department=world.lead_department)
    assert not user_may_read_department_talks(user=world.other_liaison, department=world.lead_department)
    assert user_may_read_department_talks(user=world.other_inspector, department=world.lead_department)


def test_overdue_commitments_wait_on_the_groups_lead_and_the_talks_leader(world):
    held_on = timezone.localdate() - dt.timedelta(days=60)
    talk = record(world, held_on=held_on, led_by=world.leader)
    overdue_ids = set(talk.commitments.values_list("pk", flat=True))
    today = timezone.localdate()
    assert set(commitments_overdue_for(user=world.group_lead, today=today).values_list("pk", flat=True)) == overdue_ids
    assert set(commitments_overdue_for(user=world.leader, today=today).values_list("pk", flat=True)) == overdue_ids
    assert not commitments_overdue_for(user=world.inspector, today=today).exists()
    assert not commitments_overdue_for(user=world.other_inspector, today=today).exists()
    # not yet due: not on anyone's desk
    assert not commitments_overdue_for(user=world.group_lead, today=held_on).exists()
