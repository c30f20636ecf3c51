"""The agenda's counts are read out with only the figures that are there."""

from __future__ import annotations

import pytest
from django.utils import translation

from dispatch.wording import agenda_counts_html, agenda_counts_sentence


@pytest.mark.parametrize(
    "counts,sentence",
    [
        ({"open": 5, "red": 2, "yellow": 1}, "未办结问题5件，其中红灯（逾期）2件、黄灯（临期）1件。"),
        ({"open": 5, "red": 2, "yellow": 0}, "未办结问题5件，其中红灯（逾期）2件。"),
        ({"open": 3, "red": 0, "yellow": 3}, "未办结问题3件，其中黄灯（临期）3件。"),
        ({"open": 4, "red": 0, "yellow": 0}, "未办结问题4件，均未逾期或临期。"),
        ({"open": 0, "red": 0, "yellow": 0}, "暂无未办结问题。"),
        ({}, "暂无未办结问题。"),
    ],
)
def test_the_agenda_sentence_never_reads_a_zero_aloud(counts, sentence):
    with translation.override("zh-hans"):
        assert agenda_counts_sentence(counts) == sentence


def test_the_page_sentence_marks_the_figures_and_the_red_one():
    with translation.override("zh-hans"):
        html = agenda_counts_html({"open": 2, "red": 1, "yellow": 0})
    assert html == '未办结问题<strong>2</strong>件，其中红灯（逾期）<strong class="text-danger">1</strong>件。'


def test_the_sentence_in_english():
    with translation.override("en"):
        assert agenda_counts_sentence({"open": 5, "red": 2, "yellow": 1}) == (
            "5 open issues, of which 2 red (overdue), 1 yellow (due soon)."
        )
