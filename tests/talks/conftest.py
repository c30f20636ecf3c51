"""Talks in the shared world: talk A held by group A's lead with the lead department about
issue A, talk B held by group B's lead with the other department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from talks import services
from talks.models import Talk
from talks.services import CommitmentInput


def record(world, **overrides) -> Talk:
    values = {
        "actor": world.group_lead,
        "kind": "interview",
        "department": world.lead_department,
        "group": world.group,
        "held_on": timezone.localdate() - dt.timedelta(days=1),
        "interviewee_name": "孙局长",
        "interviewee_post": "局长",
        "reason": "用地报批问题逾期未整改。列入上月黑榜。",
        "agreed": "局长表态：一周内完成用地报批材料补正。",
        "commitments": [CommitmentInput("补正用地报批材料", 5), CommitmentInput("建立一次性告知制度", 10)],
    }
    values.update(overrides)
    return services.talk_record(**values)


@pytest.fixture
def talk_a(world, issue):
    return record(world, issues=[issue])


@pytest.fixture
def talk_b(world):
    issue_b = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    return record(
        world,
        actor=world.other_inspector,
        department=world.other_department,
        group=world.other_group,
        issues=[issue_b],
        interviewee_name="钱副局长",
        interviewee_post="分管副局长",
        reason="环评审批推诿扯皮",
        kind="reminder",
    )
