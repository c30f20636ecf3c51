"""The State Council's holiday notice, pasted by an admin, becomes exactly the official days.

The notices for years chinese-calendar already knows are rebuilt from its data in the notice's own
wording (ranges with 至, weekdays and lunar notes in parentheses, 共N天, 上班 sentences); parsing
them must give back the package's days, no more and no fewer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar import constants
from django.urls import reverse

from core.holiday_notice import HolidayNoticeError, parse_holiday_notice
from core.models import WorkdayOverride

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}
NUMERALS = "一二三四五六七八九十"
WEEKDAYS = "一二三四五六日"


def _day(day: dt.date, *, with_month: bool = True) -> str:
    label = f"{day.month}月{day.day}日" if with_month else f"{day.day}日"
    return f"{label}（周{WEEKDAYS[day.weekday()]}）"


def rebuild_notice(year: int) -> str:
    """The year's notice as the State Council words it, from chinese-calendar's data."""
    off = sorted((d, NAMES[str(h)]) for d, h in constants.holidays.items() if d.year == year)
    work = sorted((d, NAMES[str(h)]) for d, h in constants.workdays.items() if d.year == year)
    runs: list[tuple[str, list[dt.date]]] = []
    for day, name in off:
        if runs and runs[-1][0] == name and (day - runs[-1][1][-1]).days == 1:
            runs[-1][1].append(day)
        else:
            runs.append((name, [day]))
    # a festival that shares its run with another (国庆节、中秋节) is one item, as in the notices
    items: list[tuple[str, list[dt.date]]] = []
    for name, days in runs:
        if items and (days[0] - items[-1][1][-1]).days == 1:
            joined = items[-1][0] if name in items[-1][0].split("、") else f"{items[-1][0]}、{name}"
            items[-1] = (joined, items[-1][1] + days)
        else:
            items.append((name, days))
    lines = [f"国务院办公厅关于{year}年部分节假日安排的通知", f"国办发明电〔{year - 1}〕7号", ""]
    for number, (name, days) in enumerate(items):
        first, last = days[0], days[-1]
        if len(days) == 1:
            text = f"{_day(first)}放假，共1天。"
        else:
            text = f"{_day(first)}至{_day(last, with_month=last.month != first.month)}放假调休，共{len(days)}天。"
        names = set(name.split("、"))
        make_up = [d for d, n in work if n in names]
        if make_up:
            text += "、".join(_day(d) for d in make_up) + "上班。"
        if name.startswith("春节"):
            text += "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕休息。"
        lines.append(f"{NUMERALS[number]}、{name}：{text}")
    lines.append("节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。")
    return "\n".join(lines)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_a_rebuilt_notice_reads_back_exactly_the_official_days(year):
    notice = parse_holiday_notice(rebuild_notice(year))
    assert notice.year == year
    assert sorted(notice.days_off) == sorted(d for d in constants.holidays if d.year == year)
    assert sorted(notice.make_up_workdays) == sorted(d for d in constants.workdays if d.year == year)


def test_the_2025_notice_as_published_reads_back_the_official_days():
    published = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。"""
    notice = parse_holiday_notice(published)
    assert sorted(notice.days_off) == sorted(d for d in constants.holidays if d.year == 2025)
    assert sorted(notice.make_up_workdays) == sorted(d for d in constants.workdays if d.year == 2025)
    spring = [d for d in notice.days if d.date == dt.date(2025, 2, 8)]
    assert spring[0].is_workday and spring[0].note == "春节（调休上班）"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("关于2027年部分节假日安排的通知\n一、春节：2月6日至12日放假调休，共8天。", 2, "写明共8天，日期范围却是7天"),
        ("关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。\n二、春节：2月30日放假。", 3, "日期“2月30日”不存在"),
        (
            "关于2027年部分节假日安排的通知\n一、劳动节：5月1日至5日放假调休，共5天。4月25日调休。",
            2,
            "既不是“放假”也不是“上班”",
        ),
        ("关于2027年部分节假日安排的通知\n一、清明节：4月5日上班。", 2, "没有写放假日期"),
        ("关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。1月1日上班。", 2, "既写了放假又写了上班"),
        ("关于2027年部分节假日安排的通知\n一、国庆节：10月8日至1日放假。", 2, "放假起止日期不合理"),
    ],
)
def test_a_malformed_notice_is_refused_with_its_line_named(text, line, message):
    with pytest.raises(HolidayNoticeError) as caught:
        parse_holiday_notice(text)
    assert caught.value.line_number == line
    assert f"第{line}行" in str(caught.value) and message in str(caught.value)


def test_an_encouragement_with_a_date_is_not_a_day_off():
    text = "关于2024年部分节假日安排的通知\n二、春节：2月10日至17日放假调休，共8天。鼓励各单位安排职工在除夕（2月9日）休息。"
    assert dt.date(2024, 2, 9) not in parse_holiday_notice(text).days_off


def test_a_notice_needs_its_year_and_items():
    with pytest.raises(HolidayNoticeError, match="没有找到年份"):
        parse_holiday_notice("一、元旦：1月1日放假。")
    assert parse_holiday_notice("一、元旦：1月1日放假。", year=2027).days_off == [dt.date(2027, 1, 1)]
    with pytest.raises(HolidayNoticeError, match="所选年份是2028年"):
        parse_holiday_notice("关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。", year=2028)
    with pytest.raises(HolidayNoticeError, match="没有读到任何节假日条目"):
        parse_holiday_notice("关于2027年部分节假日安排的通知\n各地区、各部门要妥善安排好值班。")


NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至2月12日（周五）放假调休，共8天。2月14日（周日）上班。"""


def test_the_admin_previews_then_confirms_and_deadlines_count_the_new_days(admin_client, db):
    url = reverse("admin:core_workdayoverride_import_notice")
    WorkdayOverride.objects.create(date=dt.date(2027, 2, 5), is_workday=True, note="录入错误")
    preview = admin_client.post(url, {"text": NOTICE_2027, "preview": "1"})
    body = preview.content.decode()
    assert preview.status_code == 200 and "2027-02-14" in body and "调休上班" in body and "录入错误" in body
    assert WorkdayOverride.objects.count() == 1  # a preview writes nothing
    done = admin_client.post(url, {"text": NOTICE_2027, "confirm": "1"})
    assert done.status_code == 302
    assert WorkdayOverride.objects.filter(date__year=2027, is_workday=False).count() == 11
    assert WorkdayOverride.objects.get(date=dt.date(2027, 2, 5)).is_workday is False
    assert WorkdayOverride.objects.get(date=dt.date(2027, 2, 14)).is_workday is True
    again = admin_client.post(url, {"text": NOTICE_2027, "confirm": "1"}, follow=True)
    assert "新增0天，更新0天，未变12天" in again.content.decode()

    from core.workdays import add_working_days

    # 2027-02-04 (Thursday) + 1 working day: the 5th-12th are off, the 13th a Saturday, the 14th works
    assert add_working_days(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 14)


def test_a_malformed_paste_keeps_the_text_and_names_the_line(admin_client, db):
    url = reverse("admin:core_workdayoverride_import_notice")
    bad = "关于2027年部分节假日安排的通知\n一、春节：2月6日至12日放假调休，共8天。"
    response = admin_client.post(url, {"text": bad, "confirm": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "第2行" in body and "2月6日至12日放假调休" in body
    assert not WorkdayOverride.objects.exists()


def test_only_admins_reach_the_import(client, world):
    client.force_login(world.inspector)
    response = client.get(reverse("admin:core_workdayoverride_import_notice"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
