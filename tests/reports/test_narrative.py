"""The 通报 over many generated months: no zero read out, no 其中 past its whole, every figure in
the text the figure on the page, one term per thing, and frozen rows of the old shape still read."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from dispatch.models import MonthlySummary
from reports.figures import Month, ReportScope, current_month, monthly_figures
from reports.narrative import Bulletin, BulletinSection, bulletin_for
from reports.services import summary_for
from tests.exporting import follow_export_offer

CITY = ReportScope(key="all", label="全市")
UNITS = "件次人个项起天"
ZERO = re.compile(rf"(?<![\d.])0(?:\.0)?\s*(?:[{UNITS}]|%|个工作日)")
NUMBER = re.compile(rf"(\d+)([{UNITS}])")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。；\n]", text) if s]


def qizhong_violations(text: str) -> list[str]:
    """Each 其中 clause: its parts (numbers up to the next comma) must not sum past the last number
    of the same unit before it in the same sentence."""
    bad = []
    for sentence in sentences(text):
        for match in re.finditer("其中", sentence):
            before, after = sentence[: match.start()], sentence[match.end() :]
            clause = re.split(r"[，,]", after)[0]
            parts = NUMBER.findall(clause)
            if not parts:
                continue
            unit = parts[0][1]
            wholes = [int(n) for n, u in NUMBER.findall(before) if u == unit]
            assert wholes, f"其中 without a whole: {sentence}"
            if sum(int(n) for n, u in parts if u == unit) > wholes[-1]:
                bad.append(sentence)
    return bad


def first(pattern: str, text: str) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def check_figures_in_text(bulletin: Bulletin, figures: dict) -> None:
    core, visits = figures["core"], figures["visits"]
    overall = "".join(bulletin.sections[0].paragraphs)
    practice = "".join(bulletin.sections[1].paragraphs)
    expected = {
        r"新交办问题(\d+)件": core["handed_off"],
        r"^[^。]*?整改销号(\d+)件": core["closed"],
        r"其中按期销号(\d+)件": core["closed_on_time"],
        r"尚有未办结问题(\d+)件": core["open"],
        r"其中逾期未整改(\d+)件": core["overdue"],
        r"累计交办问题(\d+)件": core["total_handed_off"],
        r"撤销重复或不实问题(\d+)件": core["withdrawn"],
    }
    for pattern, value in expected.items():
        found = first(pattern, overall)
        assert found is None or found == value, (pattern, found, value, overall)
        if found is None and pattern not in (r"其中按期销号(\d+)件",):
            assert not value, (pattern, value, overall)  # a figure left out is a zero
    if core["closed_on_time"] and core["closed_on_time"] < core["closed"]:
        assert f"按期整改率{core['on_time_rate']:g}%" in overall
    practice_expected = {
        r"开展督导检查(\d+)次": visits["total"],
        r"“回头看”(\d+)次": visits["recheck"],
        r"实地察看(\d+)次": visits["onsite"],
        r"座谈交流(\d+)次": visits["forum"],
        r"查阅文件(\d+)次": visits["documents"],
        r"本月受理问题线索(\d+)件": figures["campaign"]["month"]["cases"],
        r"累计受理问题线索(\d+)件": figures["campaign"]["to_date"]["cases"],
        r"议定事项(\d+)项": len(figures["decisions"]),
    }
    for pattern, value in practice_expected.items():
        assert (first(pattern, practice) or 0) == value, (pattern, value, practice)
    problems = "".join(bulletin.sections[2].paragraphs)
    if core["overdue"]:
        assert first(r"逾期未整改问题(\d+)件", problems) == core["overdue"]
    for row in figures["ranking"]["black"]:
        assert f"{row['name']}（{row['reason']}）" in problems
    steps = "".join(bulletin.sections[3].paragraphs)
    for row in figures["ranking"]["red"]:
        assert row["name"] in steps


@pytest.mark.django_db
def test_generated_bulletins_over_two_years_read_right():
    call_command("generate_scale_data", scale=0.004, months=24, departments=12)
    today = timezone.localdate()
    month = current_month()
    read = 0
    for _ in range(24):
        figures = monthly_figures(month=month, scope=CITY, today=today)
        bulletin = bulletin_for(month=month, scope=CITY, figures=figures)
        text = bulletin.text
        assert not ZERO.search(text), (str(month), ZERO.search(text).group(0), text)
        assert qizhong_violations(text) == [], text
        check_figures_in_text(bulletin, figures)
        assert "查处问题" not in text and "超期销号" not in text  # one term per thing
        # The month is named once; a live month says 截至 once.
        assert text.count(month.label) == 2 - figures["live"], text  # title + opening (live: title only)
        assert all(paragraph.endswith("。") for s in bulletin.sections for paragraph in s.paragraphs), text
        read += bool(figures["core"]["handed_off"])
        month = month.previous()
    assert read >= 20  # the generated months had something to report


def _figures_like(**core) -> dict:
    base = {
        "handed_off": 0,
        "withdrawn": 0,
        "closed": 0,
        "closed_on_time": 0,
        "closed_late": 0,
        "open": 0,
        "overdue": 0,
        "reworked": 0,
        "total_handed_off": 0,
        "total_closed": 0,
        "rectification_rate": None,
        "on_time_rate": None,
        "avg_close_working_days": None,
    }
    zero = {"cases": 0, "people": 0, "sanctioned": 0, "notified_cases": 0, "notified_people": 0}
    return {
        "month": "2026-11",
        "month_label": "2026年11月",
        "scope": {"key": "all", "label": "全市", "group_id": None},
        "live": False,
        "as_of": "2026-11-30",
        "core": {**base, **core},
        "visits": {"total": 2, "forum": 1, "documents": 1, "onsite": 2, "recheck": 0},
        "decisions": [],
        "meetings_held": 0,
        "next_focus": [],
        "campaign": {"month": dict(zero), "to_date": dict(zero)},
        "ranking": {"red": [], "black": [], "rows": []},
        "patterns": {},
    }


def test_the_seed_month_reads_without_zeros_or_overlapping_parts():
    """The issue's example: 2 visits, one forum, one documents, both on site, no 回头看, no cases."""
    figures = _figures_like(handed_off=6, closed=2, closed_on_time=0, on_time_rate=0.0, total_handed_off=6)
    text = bulletin_for(month=Month(2026, 11), scope=CITY, figures=figures).text
    assert "2026年11月，全市新交办问题6件，整改销号2件，均为逾期后销号。" in text
    one = _figures_like(handed_off=6, closed=1, closed_on_time=0, on_time_rate=0.0, total_handed_off=6)
    assert "整改销号1件，为逾期后销号。" in bulletin_for(month=Month(2026, 11), scope=CITY, figures=one).text
    assert "本月新交办" not in text and "0%" not in text and "0次" not in text and "0件" not in text
    assert "开展督导检查2次；按检查方式统计，实地察看2次、座谈交流1次、查阅文件1次（一次检查可兼用多种方式）。" in text
    assert "“回头看”" not in text and "问题线索" not in text
    assert qizhong_violations(text) == []


def test_old_frozen_rows_still_read(world):
    """A month frozen before the 通报 had sections: its one paragraph under the title, its overdue
    list recounted in working days, no 红黑榜 — and the page renders."""
    old = _figures_like(handed_off=3, overdue=1)
    del old["ranking"], old["patterns"]
    old["red_list"] = [
        {
            "id": 1,
            "code": "X1",
            "title": "旧问题",
            "project": "项目",
            "department": "市林草局",
            "deadline": "2026-09-10",
            "days_overdue": 20,
        }
    ]
    old["red_list_total"] = 1
    old.update({"month": "2026-09", "month_label": "2026年9月", "as_of": "2026-09-30"})
    old.update({"departments": [], "projects": [], "overdue_departments": []})
    MonthlySummary.objects.create(
        month=Month(2026, 9).first_day, scope_key="all", figures=old, narrative="2026年9月，全市本月新交办问题3件。"
    )
    view = summary_for(month=Month(2026, 9), scope=CITY)
    assert view.bulletin.title == "关于2026年9月重大投资项目专项督导工作情况的通报"
    assert view.bulletin.sections == [BulletinSection(heading="", paragraphs=["2026年9月，全市本月新交办问题3件。"])]
    assert view.figures["overdue_list"][0]["working_days_overdue"] == 14 and view.figures["ranking"] is None
    from django.test import Client

    client = Client()
    client.force_login(world.leader)
    response = client.get("/summaries/2026-09/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "未评定红黑榜" in body and "2026年9月，全市本月新交办问题3件。" in body
    assert follow_export_offer(client, "/summaries/2026-09/export.docx")
    assert follow_export_offer(client, "/summaries/2026-09/export.xlsx")
    assert client.get("/api/v1/summaries/2026-09/").status_code == 200
