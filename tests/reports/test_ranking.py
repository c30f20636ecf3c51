"""The 红黑榜: who lands on which list and why (reports/ranking.py states the rule).

Pure tests feed department records to the one deciding function; the database tests build
departments with chosen histories in a month and read the list back from the month's figures, the
dashboard, the summary page, the API and both exports — which must all show the same result.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from issues.models import IssueStatus
from reports.figures import Month, ReportScope, dashboard_figures, dashboard_scope_for, monthly_figures
from reports.ranking import DepartmentRecord, RankingRules, department_standings
from tests.exporting import follow_export_offer
from tests.factories import DepartmentFactory, IssueFactory

RULES = (
    RankingRules()
)  # red: >=2 closed, >=90% on time, no overdue, rework <=20%; black: >5 wd, <60% with >=3, >=2 reworked


def record(pk: int, name: str, **values) -> DepartmentRecord:
    return DepartmentRecord(id=pk, name=name, **values)


def lists(records, rules=RULES) -> tuple[list[str], list[str]]:
    result = department_standings(records, rules)
    return [row["name"] for row in result["red"]], [row["name"] for row in result["black"]]


def reasons(records, rules=RULES) -> dict[str, str]:
    return {row["name"]: row["reason"] for row in department_standings(records, rules)["rows"]}


def test_a_city_with_two_departments():
    good = record(1, "市能源局", closed=5, closed_on_time=5)
    poor = record(2, "市林草局", closed=4, closed_on_time=1)
    assert lists([poor, good]) == (["市能源局"], ["市林草局"])
    assert reasons([poor, good]) == {
        "市能源局": "销号5件，均按期销号，无逾期未整改问题，无退回返工",
        "市林草局": "按期整改率25%（销号4件）",
    }


def test_a_city_with_three_departments_where_the_old_ranking_listed_nobody_black():
    """The old rule began the 黑榜 at the fourth department with a closure: with three, nobody."""
    records = [
        record(1, "甲局", closed=3, closed_on_time=3),
        record(2, "乙局", closed=2, closed_on_time=2, overdue=1, max_overdue_working_days=13),
        record(3, "丙局", closed=3, closed_on_time=0, reworked=2),
    ]
    assert lists(records) == (["甲局"], ["乙局", "丙局"])
    assert reasons(records)["乙局"] == "逾期未整改1件，最长13个工作日"
    assert reasons(records)["丙局"] == "销号3件均未按期；退回返工2件"


def test_an_overdue_issue_keeps_a_perfect_rate_off_the_red_list():
    perfect_but_late = record(1, "市自然资源局", closed=6, closed_on_time=6, overdue=1, max_overdue_working_days=3)
    # Three working days overdue is not yet past the 黑榜's five: neither list, never the 红榜.
    assert lists([perfect_but_late]) == ([], [])
    past_limit = record(1, "市自然资源局", closed=6, closed_on_time=6, overdue=2, max_overdue_working_days=6)
    assert lists([past_limit]) == ([], ["市自然资源局"])
    assert reasons([past_limit])["市自然资源局"] == "逾期未整改2件，最长6个工作日"


def test_a_department_with_no_closures_is_on_neither_list_unless_overdue():
    idle = record(1, "市住建局")
    open_not_due = record(2, "市交通局")  # open issues, none overdue
    overdue = record(3, "市水务局", overdue=1, max_overdue_working_days=16)
    assert lists([idle, open_not_due, overdue]) == ([], ["市水务局"])
    # Its closures are what the rate and rework rules read: none closed, no rate, no rework rule.
    assert reasons([overdue])["市水务局"] == "逾期未整改1件，最长16个工作日"


def test_the_red_list_needs_enough_closures_and_little_rework():
    assert lists([record(1, "甲局", closed=1, closed_on_time=1)]) == ([], [])  # one closure is not a record
    assert lists([record(1, "甲局", closed=5, closed_on_time=5, reworked=2)]) == ([], ["甲局"])  # repeated rework
    assert lists([record(1, "甲局", closed=10, closed_on_time=9, reworked=1)]) == (["甲局"], [])  # 90%, 10%
    assert reasons([record(1, "甲局", closed=10, closed_on_time=9, reworked=1)])["甲局"] == (
        "销号10件，按期整改率90%，无逾期未整改问题，退回返工1件"
    )
    assert lists([record(1, "甲局", closed=4, closed_on_time=3)]) == ([], [])  # 75%: neither


def test_a_low_rate_needs_enough_closures_to_blacklist():
    assert lists([record(1, "甲局", closed=2, closed_on_time=0)]) == ([], [])  # 2 closures < 3
    assert lists([record(1, "甲局", closed=3, closed_on_time=1)]) == ([], ["甲局"])  # 33.3%


def test_ties_keep_a_stable_reading_order():
    same = dict(closed=4, closed_on_time=4, avg_close_working_days=8.0)
    records = [record(3, "丙局", **same), record(1, "甲局", **same), record(2, "乙局", closed=4, closed_on_time=4)]
    red, black = lists(records)
    # Equal records read by name; a known average close beats an unknown one.
    assert red == ["丙局", "甲局", "乙局"] and black == []
    assert lists(list(reversed(records))) == (red, black)
    tied_black = [
        record(5, "戊局", overdue=2, max_overdue_working_days=9),
        record(4, "丁局", overdue=2, max_overdue_working_days=9),
        record(6, "己局", overdue=3, max_overdue_working_days=7),
    ]
    assert lists(tied_black)[1] == ["丁局", "戊局", "己局"]  # longest overdue first, then by name


def test_fifty_departments_obey_every_clause_of_the_rule():
    records = []
    for n in range(50):
        closed = n % 7
        records.append(
            record(
                n + 1,
                f"单位{n:02d}",
                closed=closed,
                closed_on_time=max(closed - n % 3, 0),
                reworked=min(n % 4 // 3 * 2, closed),
                overdue=n % 5 // 4,
                max_overdue_working_days=(n % 11) if n % 5 == 4 else 0,
            )
        )
    result = department_standings(records, RULES)
    red = {row["id"] for row in result["red"]}
    black = {row["id"] for row in result["black"]}
    assert red and black and not red & black
    assert len(result["rows"]) == 50
    for rec in records:
        row = next(r for r in result["rows"] if r["id"] == rec.id)
        if rec.id in red:
            assert rec.overdue == 0 and rec.closed >= 2 and rec.on_time_rate >= 90 and rec.rework_rate <= 20
            assert row["reason"].startswith(f"销号{rec.closed}件")
        elif rec.id in black:
            assert row["reason"]
            assert rec.max_overdue_working_days > 5 or (rec.closed >= 3 and rec.on_time_rate < 60) or rec.reworked >= 2
        else:
            assert row["reason"] == "" and row["list"] == ""
        if rec.closed == 0 and rec.overdue == 0:
            assert rec.id not in red | black
    # The lists are in the rows, red first and black last.
    assert [r["list"] for r in result["rows"]] == sorted(
        (r["list"] for r in result["rows"]), key=lambda v: {"red": 0, "": 1, "black": 2}[v]
    )


def test_thresholds_come_from_settings_and_are_printed(settings):
    settings.DUDAO_RANKING = {"red_min_closed": 5, "black_overdue_working_days": 10}
    rules = RankingRules.from_settings()
    assert rules.red_min_closed == 5 and rules.black_overdue_working_days == 10 and rules.red_min_on_time_rate == 90
    assert lists([record(1, "甲局", closed=4, closed_on_time=4)], rules) == ([], [])
    assert lists([record(1, "甲局", overdue=1, max_overdue_working_days=8)], rules) == ([], [])
    text = department_standings([], rules)["rules_text"]
    assert text["red"] == "红榜：本期销号5件及以上，按期整改率不低于90%，无逾期未整改问题，返工率不高于20%。"
    assert text["black"].startswith("黑榜：有问题逾期超过10个工作日未整改")
    settings.DUDAO_RANKING = {"red_min_closed": 0}
    with pytest.raises(ImproperlyConfigured):
        RankingRules.from_settings()
    settings.DUDAO_RANKING = {"no_such_rule": 1}
    with pytest.raises(ImproperlyConfigured):
        RankingRules.from_settings()


# --- the same list everywhere, from issues in the database ------------------------------------

NOVEMBER = Month(2026, 11)
CITY = ReportScope(key="all", label="全市")


def _at(day: int, month: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


def _closed(department, project, *, handed: int, deadline: int, closed: int, returns: int = 0):
    return IssueFactory(
        lead_department=department,
        project=project,
        handed_off_at=_at(handed, 10),
        sign_deadline=dt.date(2026, 10, handed + 2),
        rectification_deadline=dt.date(2026, 11, deadline),
        status=IssueStatus.CLOSED,
        submitted_at=_at(closed),
        closed_at=_at(closed),
        return_count=returns,
    )


@pytest.fixture
def november(world):
    """Three departments in November 2026: 能源 closed three on time; 林草 closed two, both late,
    and has one issue overdue since 9 November; 住建 closed nothing and owes nothing."""
    energy = DepartmentFactory(name="市能源局", short_name="市能源局")
    forest = DepartmentFactory(name="市林业和草原局", short_name="市林草局")
    housing = DepartmentFactory(name="市住房和城乡建设局", short_name="市住建局")
    for day in (10, 12, 13):
        _closed(energy, world.project, handed=day, deadline=20, closed=day + 5)
    _closed(forest, world.project, handed=12, deadline=5, closed=16)
    _closed(forest, world.project, handed=13, deadline=6, closed=18, returns=1)
    IssueFactory(
        lead_department=forest,
        project=world.project,
        handed_off_at=_at(20, 10),
        sign_deadline=dt.date(2026, 10, 22),
        rectification_deadline=dt.date(2026, 11, 9),
        status=IssueStatus.IN_PROGRESS,
    )
    IssueFactory(
        lead_department=housing,
        project=world.project,
        handed_off_at=_at(2),
        sign_deadline=dt.date(2026, 11, 4),
        rectification_deadline=dt.date(2026, 12, 20),
        status=IssueStatus.IN_PROGRESS,
    )
    return world


def test_the_month_lists_departments_with_chosen_histories(november):
    ranking = monthly_figures(month=NOVEMBER, scope=CITY, today=dt.date(2026, 11, 26))["ranking"]
    assert [(r["name"], r["reason"]) for r in ranking["red"]] == [
        ("市能源局", "销号3件，均按期销号，无逾期未整改问题，无退回返工")
    ]
    # 9 -> 26 November: 13 working days.
    assert [(r["name"], r["reason"]) for r in ranking["black"]] == [("市林草局", "逾期未整改1件，最长13个工作日")]
    housing = next(r for r in ranking["rows"] if r["name"] == "市住建局")
    assert housing["list"] == "" and housing["closed"] == 0


def test_every_surface_shows_the_same_lists(november, client, settings):
    today = dt.date(2026, 11, 26)
    expected = monthly_figures(month=NOVEMBER, scope=CITY, today=today)["ranking"]
    dashboard = dashboard_figures(scope=dashboard_scope_for(user=november.leader), today=today)["ranking"]
    assert (dashboard["red"], dashboard["black"]) == (expected["red"], expected["black"])

    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=today):
        client.force_login(november.leader)
        page = client.get("/summaries/2026-11/").content.decode()
        api = client.get("/api/v1/summaries/2026-11/").json()
        docx = follow_export_offer(client, "/summaries/2026-11/export.docx")
        xlsx = follow_export_offer(client, "/summaries/2026-11/export.xlsx")
    assert "市能源局</strong>：销号3件，均按期销号，无逾期未整改问题，无退回返工" in page
    assert "市林草局</strong>：逾期未整改1件，最长13个工作日" in page
    assert "逾期未整改问题（红榜）" not in page and "逾期未整改问题" in page
    assert api["figures"]["ranking"]["red"] == expected["red"]
    assert api["figures"]["ranking"]["black"] == expected["black"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    cells = [c.text for t in Document(io.BytesIO(docx)).tables for row in t.rows for c in row.cells]
    assert "逾期未整改1件，最长13个工作日" in cells and "市能源局" in cells
    assert "市能源局按期整改、无逾期问题，列入本月红榜，予以通报表扬" in text
    sheet = load_workbook(io.BytesIO(xlsx))["红黑榜"]
    listed = {row[0]: (row[1], row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert listed["市林草局"] == ("黑榜", "逾期未整改1件，最长13个工作日")
    assert listed["市能源局"][0] == "红榜" and listed["市住建局"][0] in (None, "")
