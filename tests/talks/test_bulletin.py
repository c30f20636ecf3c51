"""The monthly 通报 mentions the month's talks in 二、主要做法和成效, naming each department and
why; no zero is read out when a kind (or every talk) is missing; the Word document carries it; a
group's 通报 names only the group's talks."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from reports.figures import Month, ReportScope, current_month, monthly_figures
from reports.narrative import _talk_reason, bulletin_for
from tests.exporting import follow_export_offer
from tests.talks.conftest import record

pytestmark = pytest.mark.django_db
CITY = ReportScope(key="all", label="全市")
SENTENCE = (
    "针对整改不力问题，约谈责任单位负责人1人次、提醒谈话1人次：约谈市自然资源局局长（用地报批问题逾期未整改）；"
    "提醒谈话市生态环境局分管副局长（环评审批推诿扯皮）。"
)


@pytest.fixture
def talks_today(world, issue):
    today = timezone.localdate()
    a = record(world, issues=[issue], held_on=today)
    b = record(
        world,
        actor=world.other_inspector,
        group=world.other_group,
        department=world.other_department,
        held_on=today,
        kind="reminder",
        interviewee_post="分管副局长",
        reason="环评审批推诿扯皮",
        commitments=[],
    )
    return a, b


def _practice(scope: ReportScope) -> str:
    month = current_month()
    figures = monthly_figures(month=month, scope=scope)
    return "".join(bulletin_for(month=month, scope=scope, figures=figures).sections[1].paragraphs)


def test_the_bulletin_names_each_talk_with_its_department_and_reason(world, talks_today):
    assert SENTENCE in _practice(CITY)


def test_a_groups_bulletin_names_only_its_talks(world, talks_today):
    text = _practice(ReportScope(key=f"group-{world.group.pk}", label=world.group.name, group_id=world.group.pk))
    assert "约谈市自然资源局局长（用地报批问题逾期未整改）" in text
    assert "市生态环境局" not in text and "提醒谈话" not in text and "0人次" not in text


def test_no_talks_no_sentence_and_no_zero(world, issue):
    text = _practice(CITY)
    assert "约谈" not in text and "谈话" not in text


def test_only_reminders_reads_no_zero_interviews(world):
    record(world, kind="reminder", held_on=timezone.localdate(), reason="签收不及时")
    text = _practice(CITY)
    assert "针对整改不力问题，提醒谈话1人次：提醒谈话市自然资源局局长（签收不及时）。" in text
    assert "0人次" not in text


def test_talks_of_another_month_are_not_read_out(world):
    last_month = Month.of(timezone.localdate()).previous()
    record(world, held_on=last_month.last_day)
    assert "约谈" not in _practice(CITY)


def test_a_long_reason_is_read_to_its_first_stop_and_cut():
    assert _talk_reason("逾期未整改。另有其他情况") == "逾期未整改"
    assert _talk_reason("  用地\n报批  ") == "用地 报批"
    long = "很" * 100
    assert len(_talk_reason(long)) == 60 and _talk_reason(long).endswith("…")


def test_the_word_bulletin_carries_the_talks_sentence(client, world, talks_today):
    client.force_login(world.leader)
    content = follow_export_offer(client, reverse("reports:summary_docx", kwargs={"month": current_month()}))
    texts = [p.text for p in Document(io.BytesIO(content)).paragraphs]
    practice = texts.index("二、主要做法和成效")
    problems = texts.index("三、存在的问题")
    assert SENTENCE in texts[practice + 1 : problems]


def test_the_summary_page_shows_it_too(client, world, talks_today):
    client.force_login(world.leader)
    html = client.get(reverse("reports:summary", kwargs={"month": current_month()})).content.decode()
    assert SENTENCE in html


def test_the_english_bulletin_reads_the_talks_in_english(world, talks_today):
    from django.utils import translation

    with translation.override("en"):
        text = _practice(CITY)
    assert "Where rectification fell short, we held 1 accountability talk(s)" in text
    assert "Reminder talk with the 分管副局长 of 市生态环境局 (环评审批推诿扯皮)" in text
    assert "约谈" not in text and "人次" not in text
