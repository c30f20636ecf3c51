"""A clue on project A (group A: inspector, group lead; authorized inspector) from issue A, with two
people concerned, walked through the steps by the people the rules let act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clues import services
from clues.models import Clue


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def clue(world, issue) -> Clue:
    return services.clue_register(
        actor=world.inspector,
        issue=issue,
        title="用地科推诿拖延问题线索",
        description="企业反映用地科工作人员多次退件、未一次性告知。",
        subjects=[
            {"name": "甲某某", "post": "科长", "department": world.lead_department},
            {"name": "乙某", "post": "科员", "department": world.lead_department},
        ],
    )


@pytest.fixture
def verifying(world, clue) -> Clue:
    services.clue_hand_over(clue=clue, actor=world.group_lead, received_on=days_ago(30))
    services.clue_start_verification(clue=clue, actor=world.inspector, note="调取审批记录，约谈企业。", on=days_ago(28))
    return clue


@pytest.fixture
def case(world, verifying) -> Clue:
    services.clue_dispose(
        clue=verifying, actor=world.leader, disposal="file_case", note="予以立案审查调查。", on=days_ago(20)
    )
    return verifying
