"""The monthly summary's long tables built in Python (reports.summary_rows) say what the template's
loops said: each figure linked to the ledger where it has a link, overdue in red, the issue links,
the decisions' dashes and state in the reader's language, and every text escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from reports.summary_rows import (
    decision_rows_html,
    department_rows_html,
    issue_url,
    overdue_rows_html,
    project_rows_html,
)

HOSTILE = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"


@pytest.mark.parametrize("issue_id", [1, 10, 123456])
def test_the_issue_link_is_the_issues_page(issue_id):
    assert issue_url(issue_id) == reverse("issues:detail", args=[issue_id])


def _counts(**values) -> dict:
    return {
        "id": 3,
        "name": "市住建局",
        "handed_off": 4,
        "closed": 2,
        "closed_on_time": 1,
        "open": 5,
        "overdue": 0,
    } | values


def test_a_departments_row_links_what_has_a_link_and_reds_its_overdue():
    plain = department_rows_html([_counts()])
    assert plain == (
        '<tr><td>市住建局</td><td class="text-end">4</td><td class="text-end">2</td>'
        '<td class="text-end">1</td><td class="text-end">5</td><td class="text-end">0</td></tr>'
    )
    linked = department_rows_html(
        [_counts(overdue=2, handed_off_url="/issues/?a=1&b=2", closed_url="/c/", overdue_url="/issues/?light=red")]
    )
    assert '<td class="text-end"><a href="/issues/?a=1&amp;b=2">4</a></td>' in linked
    assert '<td class="text-end"><a href="/c/">2</a></td>' in linked
    assert (
        '<td class="text-end text-dd-red fw-bold"><a class="text-reset" href="/issues/?light=red">2</a></td>' in linked
    )


def test_a_projects_row_always_links_its_new_and_closed_issues():
    html = project_rows_html([_counts(name=HOSTILE, handed_off_url="/h/", closed_url="/c/")])
    assert f"<tr><td>{ESCAPED}</td>" in html
    assert '<a href="/h/">4</a>' in html and '<a href="/c/">2</a>' in html


def test_an_overdue_row_links_its_issue_and_escapes_its_title():
    html = overdue_rows_html(
        [
            {
                "id": 42,
                "code": "DD-2026-0042",
                "title": HOSTILE,
                "project": "水电硅一体化项目",
                "department": "市自然资源局",
                "deadline": "2026-11-20",
                "working_days_overdue": 7,
            }
        ]
    )
    assert f'<a href="{reverse("issues:detail", args=[42])}">DD-2026-0042</a>' in html
    assert f"<td>{ESCAPED}</td>" in html and "<script>" not in html
    assert '<td class="dd-nowrap d-none d-sm-table-cell">2026-11-20</td><td class="text-end">7</td>' in html


def test_a_decision_without_department_deadline_or_issue_shows_dashes_in_the_readers_language():
    row = {"meeting": "十一月调度会", "date": "2026-11-28", "text": HOSTILE, "department": "", "due_on": ""}
    with translation.override("zh-hans"):
        html = decision_rows_html([row, row | {"issue_id": 9, "issue_code": "DD-9", "is_done": True}])
    first, second = html.split("\n")
    assert f'<td>{ESCAPED}</td><td>—</td><td class="dd-nowrap">—</td><td>—</td><td>推进中</td>' in first
    assert f'<td><a href="{reverse("issues:detail", args=[9])}">DD-9</a></td><td>已落实</td>' in second
    with translation.override("en"):
        english = decision_rows_html([row])
    assert "推进中" not in english and "<td>In progress</td>" in english
