"""The 红黑榜 table's rows built in Python (reports.ranking_rows) say what the template's loop said:
the department's talks link, each cell's dash or link, the overdue text in the reader's language,
the list's badge and row class, and every name escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from reports.ranking_rows import ranking_rows_html, talks_department_url


def _row(**values) -> dict:
    row = {
        "id": 7,
        "name": "市自然资源局",
        "closed": 0,
        "on_time_rate": None,
        "reworked": 0,
        "overdue": 0,
        "max_overdue_working_days": 0,
        "avg_close_working_days": None,
        "list": "",
    }
    return row | values


@pytest.mark.parametrize("department_id", [1, 10, 205])
def test_the_talks_link_is_the_departments_page(department_id):
    assert talks_department_url(department_id) == reverse("talks:department", args=[department_id])


def test_a_department_with_nothing_to_show_has_dashes_and_no_badge():
    html = ranking_rows_html([_row()])
    assert html.startswith('<tr class="" data-department="7" data-list="">')
    assert f'href="{reverse("talks:department", args=[7])}"' in html and "市自然资源局</a>" in html
    assert html.count('<td class="text-end">—</td>') == 4 and '<td class="text-end dd-nowrap">—</td>' in html
    assert "badge" not in html


def test_a_black_listed_department_with_links_and_overdue_issues():
    row = _row(
        closed=10,
        closed_url="/issues/?closed_month=2026-12",
        on_time_rate=50.0,
        reworked=3,
        reworked_url="/issues/?returned=1",
        overdue=3,
        max_overdue_working_days=12,
        overdue_url="/issues/?light=red",
        avg_close_working_days=4.5,
        list="black",
    )
    html = ranking_rows_html([row])
    assert '<tr class="dd-rank-worst" data-department="7" data-list="black">' in html
    assert '<a href="/issues/?closed_month=2026-12">10</a>' in html and '<td class="text-end">50.0%</td>' in html
    assert '<a class="text-dd-red fw-bold" href="/issues/?light=red">3件，最长12个工作日</a>' in html
    assert '<a href="/issues/?returned=1">3</a>' in html and '<td class="text-end">4.5</td>' in html
    assert '<span class="badge text-bg-dark">黑榜</span>' in html
    with translation.override("en"):
        assert "3, longest 12 working days" in ranking_rows_html([row])


def test_a_frozen_month_without_links_shows_plain_figures_and_the_red_badge():
    html = ranking_rows_html([_row(closed=8, on_time_rate=100.0, overdue=0, list="red")])
    assert '<tr class="dd-rank-best" data-department="7" data-list="red">' in html
    assert '<td class="text-end">8</td>' in html and '<span class="badge text-bg-danger">红榜</span>' in html
    overdue = ranking_rows_html([_row(overdue=2, max_overdue_working_days=5)])
    assert '<span class="text-dd-red fw-bold">2件，最长5个工作日</span>' in overdue


def test_names_are_escaped():
    html = ranking_rows_html([_row(name="<script>局</script>")])
    assert "<script>" not in html and "&lt;script&gt;局&lt;/script&gt;" in html
