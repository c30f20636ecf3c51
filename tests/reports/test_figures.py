"""The figures of a hand-built September, number by number (the month is described in conftest.py).

Rectification rate (整改率) = issues closed by the month's end / issues handed off by the month's
end, withdrawn ones excluded, cumulative. On-time rate (按期整改率) = issues closed in the month on
time / issues closed in the month, where on time means the department's last submission came on or
before the rectification deadline in force (after any extension granted).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from dispatch.models import DispatchMeeting
from reports.figures import Month, ReportScope, dashboard_figures, dashboard_scope_for, monthly_figures
from reports.narrative import bulletin_for
from tests.reports.conftest import SEPTEMBER, at, d

pytestmark = pytest.mark.django_db

CITY = ReportScope(key="all", label="全市")


def figures_for(scope=CITY):
    return monthly_figures(month=SEPTEMBER, scope=scope, today=d(11, 20))


def test_core_figures_of_the_city(september):
    core = figures_for()["core"]
    # A1 A2 A3 A5 A5b A7 A10 B1. The withdrawn duplicate A4 is not a hand-off (this test used to
    # count it: the 通报 then read out a withdrawn duplicate as handed off).
    assert core["handed_off"] == 8
    assert core["withdrawn"] == 1  # A4
    assert core["closed"] == 4  # A1 A2 A3 A5b (A5 closed in October, A8 in August)
    assert core["closed_on_time"] == 3  # A2 was submitted after its deadline
    assert core["closed_late"] == 1
    assert core["open"] == 5  # A5 A6 A7 A10 B1 at midnight on 1 October
    assert core["overdue"] == 2  # A6 (carried over from August) and B1; A10 submitted, A5 extended, A7 due on the 30th
    assert core["reworked"] == 1  # A3 returned twice counts once
    assert core["total_handed_off"] == 10  # everything by 30 September except the withdrawn A4
    assert core["total_closed"] == 5  # A1 A2 A3 A5b A8
    assert core["rectification_rate"] == 50.0
    assert core["on_time_rate"] == 75.0


def test_extension_granted_makes_a_late_looking_close_on_time(september):
    """A5b's original deadline was 12 September; submitted on the 25th against the extended 26th."""
    figures = figures_for()
    row = next(r for r in figures["departments"] if r["id"] == september.world.lead_department.pk)
    assert row["closed"] == 4 and row["closed_on_time"] == 3
    assert september.issues["A5"].pk not in [r["id"] for r in figures["overdue_list"]]


def test_per_department_and_per_project_tables(september):
    w = september.world
    figures = figures_for()
    departments = {row["id"]: row for row in figures["departments"]}
    d1, d2 = departments[w.lead_department.pk], departments[w.other_department.pk]
    assert (d1["handed_off"], d1["closed"], d1["open"], d1["overdue"], d1["withdrawn"]) == (7, 4, 3, 0, 1)
    assert (d2["handed_off"], d2["closed"], d2["open"], d2["overdue"]) == (1, 0, 2, 2)
    assert d1["on_time_rate"] == 75.0 and d2["on_time_rate"] is None
    # Sorted by overdue first: the department with overdue issues heads the table.
    assert figures["departments"][0]["id"] == w.other_department.pk
    projects = {row["id"]: row for row in figures["projects"]}
    assert projects[w.project.pk]["handed_off"] == 7 and projects[w.project.pk]["overdue"] == 1
    assert projects[w.other_project.pk]["handed_off"] == 1 and projects[w.other_project.pk]["overdue"] == 1
    assert figures["overdue_departments"] == [w.other_department.short_name]


def test_overdue_list_is_overdue_at_month_end_in_working_days(september):
    figures = figures_for()
    assert [row["code"] for row in figures["overdue_list"]] == ["SEP-A6", "SEP-B1"]  # by deadline
    # 10 -> 30 September: 20 calendar days, 14 working days (the 19th and 25th–27th are not working
    # days — 中秋 — and Sunday the 20th is a make-up working day), as the ledger counts them.
    assert [row["working_days_overdue"] for row in figures["overdue_list"]] == [14, 11]
    assert figures["overdue_list_total"] == 2


def test_september_red_and_black_lists_with_reasons(september):
    w = september.world
    ranking = figures_for()["ranking"]
    rows = {row["id"]: row for row in ranking["rows"]}
    d1, d2 = rows[w.lead_department.pk], rows[w.other_department.pk]
    # D1 closed 4 (3 on time = 75%, below the 红榜's 90%; one reworked), nothing overdue: neither list.
    assert (d1["closed"], d1["closed_on_time"], d1["reworked"], d1["overdue"], d1["list"]) == (4, 3, 1, 0, "")
    # A1 15, A2 9, A3 16, A5b 14 working days from hand-off to close: 13.5, counted, not estimated.
    assert d1["avg_close_working_days"] == 13.5
    # D2 closed nothing but A6 is 14 working days overdue (B1 11): the 黑榜, with its reason in words.
    assert d2["list"] == "black"
    assert ranking["black"] == [
        {"id": w.other_department.pk, "name": d2["name"], "reason": "逾期未整改2件，最长14个工作日"}
    ]
    assert ranking["red"] == []
    assert figures_for()["core"]["avg_close_working_days"] == 13.5


def test_visits_decisions_and_campaign(september):
    figures = figures_for()
    assert figures["visits"] == {"total": 3, "forum": 1, "documents": 1, "onsite": 2, "recheck": 1}
    assert [row["text"] for row in figures["decisions"]] == [
        "督促市自然资源局9月底前完成用地报批",
        "下月重点督导林地手续",
    ]
    assert figures["decisions"][1]["issue_code"] == "SEP-A7"
    first, second = figures["decisions"]
    assert first["department"] == str(september.world.lead_department) and first["due_on"] == "2026-09-30"
    assert first["issue_code"] == "" and first["issue_id"] is None and first["is_done"] is False
    assert second["department"] == "" and second["due_on"] == "" and second["issue_id"] == september.issues["A7"].pk
    assert first["group"] == september.world.group.name and first["meeting"] == "水电硅项目9月调度会"
    assert first["date"] == "2026-09-25"  # the meeting's local day

    # Counted from the clues (clues.figures): the new figures (立案, the kinds of sanction, 组织处理,
    # the four forms) beside the ones the old case records gave, which read as before.
    assert figures["campaign"] == {
        "month": {
            "cases": 1,
            "people": 3,
            "filed": 1,
            "sanctioned": 2,
            "party": 1,
            "government": 1,
            "organizational": 0,
            "form_1": 1,
            "form_2": 2,
            "form_3": 0,
            "form_4": 0,
            "notified_cases": 1,
            "notified_people": 2,
        },
        "to_date": {
            "cases": 2,
            "people": 4,
            "filed": 2,
            "sanctioned": 3,
            "party": 2,
            "government": 2,
            "organizational": 1,
            "form_1": 1,
            "form_2": 2,
            "form_3": 1,
            "form_4": 0,
            "notified_cases": 1,
            "notified_people": 2,
        },
    }


def test_group_scope_sees_only_its_projects(september):
    w = september.world
    figures = figures_for(ReportScope(key=f"group-{w.group.pk}", label=w.group.name, group_id=w.group.pk))
    core = figures["core"]
    assert (core["handed_off"], core["overdue"], core["open"], core["total_handed_off"]) == (7, 1, 4, 9)
    assert core["rectification_rate"] == 55.6
    assert figures["visits"]["total"] == 2
    assert figures["campaign"]["to_date"]["cases"] == 1  # B1's case belongs to group B
    assert {row["id"] for row in figures["projects"]} == {w.project.pk}
    other = figures_for(ReportScope(key="g", label="B", group_id=w.other_group.pk))
    assert other["core"]["handed_off"] == 1 and other["decisions"] == []


def _bulletin_text(figures, scope=CITY):
    return bulletin_for(month=SEPTEMBER, scope=scope, figures=figures).text


def test_bulletin_reads_the_figures(september):
    figures = figures_for()
    bulletin = bulletin_for(month=SEPTEMBER, scope=CITY, figures=figures)
    assert bulletin.title == "关于2026年9月重大投资项目专项督导工作情况的通报"
    assert [s.heading for s in bulletin.sections] == [
        "一、总体情况",
        "二、主要做法和成效",
        "三、存在的问题",
        "四、下步工作要求",
    ]
    text = bulletin.text
    # A4 was withdrawn: 8 handed off, not 9; the month named once.
    assert "2026年9月，全市新交办问题8件，整改销号4件，其中按期销号3件，按期整改率75%" in text
    assert "本月" not in bulletin.sections[0].paragraphs[0]
    assert "整改率50%" in text
    assert "开展督导检查3次，其中开展“回头看”1次；按检查方式统计，实地察看2次、座谈交流1次、查阅文件1次" in text
    # the figures counted from the clues, each under its one name (clues.figures)
    assert (
        "本月受理问题线索1件、涉及3人，立案1件，给予党纪政务处分2人（按处分种类统计，党纪处分1人、政务处分1人），"
        "运用监督执纪“四种形态”处理3人（其中第一种形态1人、第二种形态2人），通报曝光典型问题1起2人"
    ) in text
    assert "专项督导开展以来累计受理问题线索2件、涉及4人" in text
    assert "查处问题" not in text


def test_bulletin_in_english_reads_as_sentences(september):
    with translation.override("en"):  # a live page reads its figures and its 通报 in one language
        bulletin = bulletin_for(month=SEPTEMBER, scope=CITY, figures=figures_for())
    text = bulletin.text
    assert [s.heading for s in bulletin.sections] == [
        "1. Overview",
        "2. Work done and results",
        "3. Problems",
        "4. Next steps",
    ]
    assert "Issues handed off: 8, issues closed out: 4, of which on time: 3, on-time rate 75%" in text
    assert "This month problem leads received: 1, involving 3 people" in text
    assert "Since the campaign began: problem leads received: 2" in text
    # The connecting words are English (names and typed text stay as written): no Chinese comma or
    # full stop between clauses, no word glued to a Chinese name.
    assert "，" not in text.replace("全市", "") and not re.search(r"\d[。，]", text), text
    assert not re.search(r"[\u4e00-\u9fff][A-Za-z]|[a-z.][\u4e00-\u9fff]", text.replace("全市", "")), text


def test_dashboard_scoping_inspector_vs_leader(september):
    w = september.world
    leader = dashboard_figures(scope=dashboard_scope_for(user=w.leader), today=d(11, 20))
    inspector = dashboard_figures(scope=dashboard_scope_for(user=w.inspector), today=d(11, 20))
    # Open now: A6 A7 A9 A10 (project A) + B1 (project B).
    assert leader["cards"]["open"] == 5 and inspector["cards"]["open"] == 4
    assert leader["cards"]["projects"] == 2 and inspector["cards"]["projects"] == 1
    # Red today (20 November): A6, A7, B1 owe work past their deadline; A9 too (deadline 30 Oct).
    assert leader["cards"]["red"] == 4 and inspector["cards"]["red"] == 3
    assert {row["id"] for row in inspector["by_project"]} == {w.project.pk}
    assert leader["cards"]["closed"] == 6 and leader["cards"]["closed_on_time"] == 5  # A5 (Oct) on time too
    assert leader["cards"]["total"] == 11  # 12 built, A4 withdrawn


def test_dashboard_trend_and_ranking(september):
    w = september.world
    figures = dashboard_figures(scope=dashboard_scope_for(user=w.leader), today=d(11, 20))
    by_month = {point["month"]: point for point in figures["trend"]}
    assert len(figures["trend"]) == 12 and figures["trend"][-1]["month"] == "2026-11"
    assert by_month["2026-09"]["handed_off"] == 8 and by_month["2026-09"]["closed"] == 4  # A4 withdrawn
    assert by_month["2026-08"]["handed_off"] == 2 and by_month["2026-10"]["closed"] == 1
    assert by_month["2026-09"]["label"] == "9月"
    with translation.override("en"):
        english = dashboard_figures(scope=dashboard_scope_for(user=w.leader), today=d(11, 20))
    assert [point["label"] for point in english["trend"]][-3:] == ["Sep", "Oct", "Nov"]
    # The dashboard's 红黑榜 is the current month's, decided by the same rule as the summary's.
    summary = monthly_figures(month=Month(2026, 11), scope=CITY, today=d(11, 20))["ranking"]
    assert figures["ranking"]["rows"] == summary["rows"]
    assert figures["ranking"]["period"]["month"] == "2026-11"
    rows = {row["id"]: row for row in figures["ranking"]["rows"]}
    # On 20 November both departments have issues overdue for weeks: both on the 黑榜, none on the 红榜.
    assert {rows[w.lead_department.pk]["list"], rows[w.other_department.pk]["list"]} == {"black"}
    assert figures["ranking"]["red"] == []


def test_dashboard_for_a_liaison_is_not_found(world):
    from django.http import Http404

    with pytest.raises(Http404):
        dashboard_scope_for(user=world.lead_liaison)


def test_month_parsing():
    assert str(Month.parse("2026-03")) == "2026-03"
    assert Month(2026, 1).previous() == Month(2025, 12) and Month(2026, 12).next() == Month(2027, 1)
    for bad in ("2026-3", "2026-13", "26-03", "2026-00", "abcd-ef"):
        with pytest.raises(ValueError):
            Month.parse(bad)


def test_a_decision_is_dated_by_its_meetings_local_day(september):
    """The September meeting moved to 07:00 in Beijing: the 25th there, still the 24th in UTC."""
    meeting = DispatchMeeting.objects.get(title="水电硅项目9月调度会")
    meeting.starts_at = at(9, 25, 7)
    meeting.save(update_fields=["starts_at"])
    assert meeting.starts_at.astimezone(dt.UTC).day == 24
    first = figures_for()["decisions"][0]
    assert (first["meeting"], first["date"]) == ("水电硅项目9月调度会", "2026-09-25")
