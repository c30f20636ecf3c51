"""Reads the State Council's annual notice on public holidays (国务院办公厅关于某年部分节假日安排的通知).

chinese-calendar knows only the years it shipped with; every November the State Council publishes
next year's arrangement, and until the package catches up an admin pastes the notice here and the
days become WorkdayOverride rows. Each item of the notice is one line such as

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

Rules read from it: a sentence with 放假 / 连休 gives days off (a range "A至B" or single dates),
a sentence with 上班 gives make-up working days; parentheses (weekdays, lunar dates) are ignored;
sentences that only encourage (鼓励…) are skipped. "共N天" must match the range. Anything else in
an item that holds a date is refused with its line named, so nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

_ITEM = re.compile(r"^\s*([一二三四五六七八九十]+)、\s*([^：:]+)[：:](.*)$")
_TITLE_YEAR = re.compile(r"关于\s*(\d{4})\s*年部分节假日安排")
_PARENS = re.compile(r"（[^）]*）|\([^)]*\)")
# 2024年12月31日, 12月31日, or (after 至) 31日
_FULL_DATE = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
_RANGE = re.compile(_FULL_DATE + r"\s*至\s*(?:(?:(\d{4})年)?(\d{1,2})月)?(\d{1,2})日")
_DATE = re.compile(_FULL_DATE)
_TOTAL = re.compile(r"共\s*(\d+)\s*天")


class HolidayNoticeError(ValueError):
    """The notice could not be read; `line_number` and `line` say where (1-based, as pasted)."""

    def __init__(self, message: str, *, line_number: int | None = None, line: str = "") -> None:
        self.line_number = line_number
        self.line = line
        where = _("第%(n)d行“%(line)s”：") % {"n": line_number, "line": line.strip()[:60]} if line_number else ""
        super().__init__(where + message)


@dataclass(frozen=True)
class NoticeDay:
    date: dt.date
    is_workday: bool
    holiday: str  # 春节, 国庆节、中秋节 …

    @property
    def note(self) -> str:
        return f"{self.holiday}（调休上班）" if self.is_workday else f"{self.holiday}（放假）"


@dataclass
class HolidayNotice:
    year: int
    days: list[NoticeDay] = field(default_factory=list)

    @property
    def days_off(self) -> list[dt.date]:
        return [d.date for d in self.days if not d.is_workday]

    @property
    def make_up_workdays(self) -> list[dt.date]:
        return [d.date for d in self.days if d.is_workday]


def _date(year: int, explicit_year: str | None, month: str, day: str, *, n: int, line: str) -> dt.date:
    try:
        return dt.date(int(explicit_year) if explicit_year else year, int(month), int(day))
    except ValueError:
        raise HolidayNoticeError(
            _("日期“%(m)s月%(d)s日”不存在。") % {"m": month, "d": day}, line_number=n, line=line
        ) from None


def _range_days(year: int, match: re.Match, *, n: int, line: str) -> list[dt.date]:
    y1, m1, d1, y2, m2, d2 = match.groups()
    start = _date(year, y1, m1, d1, n=n, line=line)
    end_year = y2 or (str(start.year + 1) if m2 and int(m2) < start.month else None) or str(start.year)
    end = _date(year, end_year, m2 or str(start.month), d2, n=n, line=line)
    if end < start or (end - start).days > 30:
        raise HolidayNoticeError(_("放假起止日期不合理。"), line_number=n, line=line)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def parse_holiday_notice(text: str, *, year: int | None = None) -> HolidayNotice:
    """Read a pasted notice. The year comes from its title, or from `year` when the title was not
    pasted; when both are given they must agree. Raises HolidayNoticeError naming the line."""
    lines = text.splitlines()
    title_year = next((int(m.group(1)) for raw in lines if (m := _TITLE_YEAR.search(raw))), None)
    if title_year and year and title_year != year:
        raise HolidayNoticeError(
            _("通知标题写的是%(title)d年，所选年份是%(year)d年。") % {"title": title_year, "year": year}
        )
    notice_year = title_year or year
    if not notice_year:
        raise HolidayNoticeError(_("没有找到年份：请粘贴含标题“关于××××年部分节假日安排的通知”的全文，或选择年份。"))
    notice = HolidayNotice(year=notice_year)
    seen: dict[dt.date, NoticeDay] = {}
    for n, raw in enumerate(lines, start=1):
        item = _ITEM.match(raw)
        if not item:
            continue
        holiday = item.group(2).strip()
        found_off = False
        for sentence in item.group(3).split("。"):
            if not sentence.strip() or sentence.lstrip().startswith("鼓励"):
                continue
            plain = _PARENS.sub("", sentence)
            if "上班" in plain:
                dates = [_date(notice_year, *m.groups(), n=n, line=raw) for m in _DATE.finditer(plain)]
                if not dates:
                    raise HolidayNoticeError(_("写了“上班”却没有日期。"), line_number=n, line=raw)
                entries = [NoticeDay(day, True, holiday) for day in dates]
            elif "放假" in plain or "连休" in plain:
                ranges = list(_RANGE.finditer(plain))
                if ranges:
                    off = [day for m in ranges for day in _range_days(notice_year, m, n=n, line=raw)]
                else:
                    off = [_date(notice_year, *m.groups(), n=n, line=raw) for m in _DATE.finditer(plain)]
                if not off:
                    raise HolidayNoticeError(_("写了“放假”却没有日期。"), line_number=n, line=raw)
                total = _TOTAL.search(plain)
                if total and int(total.group(1)) != len(off):
                    raise HolidayNoticeError(
                        _("写明共%(said)s天，日期范围却是%(counted)d天。")
                        % {"said": total.group(1), "counted": len(off)},
                        line_number=n,
                        line=raw,
                    )
                entries = [NoticeDay(day, False, holiday) for day in off]
                found_off = True
            elif _DATE.search(plain):
                raise HolidayNoticeError(
                    _("这句话里有日期，但既不是“放假”也不是“上班”，无法确定。"), line_number=n, line=raw
                )
            else:
                continue  # 不调休 and the like: nothing to record
            for entry in entries:
                earlier = seen.get(entry.date)
                if earlier and earlier.is_workday != entry.is_workday:
                    raise HolidayNoticeError(
                        _("%(date)s 既写了放假又写了上班。") % {"date": f"{entry.date:%Y-%m-%d}"},
                        line_number=n,
                        line=raw,
                    )
                seen[entry.date] = entry
        if not found_off:
            raise HolidayNoticeError(_("这一项没有写放假日期。"), line_number=n, line=raw)
    if not seen:
        raise HolidayNoticeError(_("没有读到任何节假日条目（应为“一、元旦：1月1日放假……”这样的行）。"))
    notice.days = sorted(seen.values(), key=lambda d: d.date)
    return notice
