"""The monthly 通报, written from the figures as a commission writes it.

`bulletin_for` is a pure function of the figures dictionary (reports.figures.monthly_figures), so
a frozen month's 通报 is reproducible and the live month's reads the same way. The rules the text
keeps, pinned by tests/reports/test_narrative.py over many generated months:

- No clause reads out a zero: a figure that is zero drops its clause, never "0件".
- A 其中 never sums past its whole. Visits may combine several methods, so the methods are counted
  after the total as "按检查方式统计…", never as parts of it after a 其中.
- One term per thing, the same words as the summary page, the exports and the API:
  新交办问题, 整改销号, 按期销号, 逾期未整改, 退回返工; the campaign's figures by the names of
  clues.figures (受理问题线索, 立案, 党纪政务处分, 党纪处分, 政务处分, 组织处理, 第一种形态…, 通报曝光典型问题).
- Overdue time in working days (the ledger's WorkCalendar); time blocked in calendar days (天), as
  the blockage board counts it.
- The month is named once, in the opening sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MAX_NAMED = 3


@dataclass(frozen=True)
class BulletinSection:
    heading: str  # "一、总体情况"
    paragraphs: list[str]


@dataclass(frozen=True)
class Bulletin:
    title: str  # "关于2026年11月重大投资项目专项督导工作情况的通报"
    sections: list[BulletinSection]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Bulletin:
        return cls(
            title=str(data.get("title", "")),
            sections=[
                BulletinSection(heading=str(section.get("heading", "")), paragraphs=list(section.get("paragraphs", [])))
                for section in data.get("sections", [])
            ],
        )

    @property
    def text(self) -> str:
        """The whole 通报 as plain text (the API's `narrative`, the Excel cell)."""
        lines = [self.title]
        for section in self.sections:
            lines += ([section.heading] if section.heading else []) + section.paragraphs
        return "\n".join(lines)


def _chinese() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("zh")


def _list_sep() -> str:
    return "、" if _chinese() else ", "


def _clause_sep() -> str:
    return "，" if _chinese() else ", "


def _sentence_sep() -> str:
    return "" if _chinese() else " "


def _join(items: list[str]) -> str:
    return _list_sep().join(items)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _date_cn(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}


def _sentence(clauses: list[str]) -> str:
    """Clauses joined by commas and closed by a full stop; '' when every clause was dropped."""
    clauses = [clause for clause in clauses if clause]
    if not clauses:
        return ""
    text = _clause_sep().join(clauses) + _("。")
    return text if _chinese() else text[:1].upper() + text[1:]


def _named(names: list[str], total: int | None = None) -> str:
    """The first MAX_NAMED names, then "等N个单位" with N the whole count (`total`: the figures
    list only the first few rows, their total says how many there are)."""
    total = max(total or 0, len(names))
    if total > MAX_NAMED:
        return _("%(names)s等%(n)s个单位") % {"names": _join(names[:MAX_NAMED]), "n": total}
    return _join(names)


# --- the title -------------------------------------------------------------------------------


def bulletin_title(*, month_label: str, scope_label: str, is_city: bool) -> str:
    if is_city:
        return _("关于%(month)s重大投资项目专项督导工作情况的通报") % {"month": month_label}
    return _("关于%(month)s%(scope)s重大投资项目专项督导工作情况的通报") % {"month": month_label, "scope": scope_label}


# --- 一、总体情况 -----------------------------------------------------------------------------


def _overall(figures: dict, *, month_label: str) -> list[str]:
    core = figures["core"]
    scope = figures["scope"]["label"]
    if figures["live"]:
        opening = _("截至%(day)s，本月%(scope)s") % {"day": _date_cn(figures["as_of"]), "scope": scope}
    else:
        opening = _("%(month)s，%(scope)s") % {"month": month_label, "scope": scope}
    clauses = []
    if core["handed_off"]:
        clauses.append(_("新交办问题%(n)s件") % {"n": core["handed_off"]})
    if core["closed"]:
        clauses.append(_("整改销号%(n)s件") % {"n": core["closed"]})
        on_time = core["closed_on_time"]
        if on_time == core["closed"]:
            clauses.append(_("均按期销号") if on_time > 1 else _("按期销号"))
        elif on_time:
            clauses.append(_("其中按期销号%(n)s件") % {"n": on_time})
            clauses.append(_("按期整改率%(rate)s") % {"rate": _rate(core["on_time_rate"])})
        else:
            clauses.append(_("均为逾期后销号") if core["closed"] > 1 else _("为逾期后销号"))
        average = core.get("avg_close_working_days")
        if average:
            clauses.append(_("平均办结用时%(n)s个工作日") % {"n": f"{average:g}"})
    if not clauses:
        clauses.append(_("无新交办和整改销号问题"))
    paragraphs = [opening + _sentence(clauses)]

    state = []
    if core["open"]:
        state.append(
            (_("截至目前，尚有未办结问题%(n)s件") if figures["live"] else _("截至月末，尚有未办结问题%(n)s件"))
            % {"n": core["open"]}
        )
        if core["overdue"]:
            state.append(_("其中逾期未整改%(n)s件") % {"n": core["overdue"]})
    if core["total_handed_off"]:
        cumulative = _("专项督导开展以来累计交办问题%(n)s件") % {"n": core["total_handed_off"]}
        if core["total_closed"]:
            cumulative += _("、整改销号%(n)s件，整改率%(rate)s") % {
                "n": core["total_closed"],
                "rate": _rate(core["rectification_rate"]),
            }
        state.append(cumulative)
    if core.get("withdrawn"):
        state.append(_("经核实撤销重复或不实问题%(n)s件，未计入交办") % {"n": core["withdrawn"]})
    if state:
        paragraphs.append(_sentence(state))
    return paragraphs


# --- 二、主要做法和成效 -------------------------------------------------------------------------


def _practice(figures: dict) -> list[str]:
    paragraphs = []
    visits = figures["visits"]
    if visits["total"]:
        clauses = [_("各督导组深入项目一线开展督导检查%(n)s次") % {"n": visits["total"]}]
        if visits["recheck"]:
            clauses.append(_("其中开展“回头看”%(n)s次") % {"n": visits["recheck"]})
        text = _sentence(clauses)
        methods = [
            (visits["onsite"], _("实地察看%(n)s次")),
            (visits["forum"], _("座谈交流%(n)s次")),
            (visits["documents"], _("查阅文件%(n)s次")),
        ]
        used = [label % {"n": count} for count, label in methods if count]
        if used:
            method_text = _("按检查方式统计，%(methods)s") % {"methods": _join(used)}
            if sum(count for count, _label in methods) > visits["total"]:
                method_text += _("（一次检查可兼用多种方式）")
            text = text[: -len(_("。"))] + _("；") + method_text + _("。")
        paragraphs.append(text)

    decisions = figures.get("decisions", [])
    meetings = figures.get("meetings_held")
    if meetings is None:
        meetings = len({(d["meeting"], d["date"]) for d in decisions})
    if meetings or decisions:
        clauses = []
        if meetings:
            clauses.append(_("召开督导调度会%(n)s次") % {"n": meetings})
        if decisions:
            # A page's figures list the first decisions and count them all (figures._decisions).
            total = figures.get("decisions_total", len(decisions))
            done = figures.get("decisions_done", sum(1 for d in decisions if d["is_done"]))
            clauses.append(_("议定事项%(n)s项") % {"n": total})
            if done == total:
                clauses.append(_("均已落实") if done > 1 else _("已落实"))
            elif done:
                clauses.append(_("其中已落实%(n)s项") % {"n": done})
        paragraphs.append(_sentence(clauses))

    talks = _talks_sentence(figures.get("talks") or [])  # a month frozen before talks has none
    if talks:
        paragraphs.append(talks)

    month, to_date = figures["campaign"]["month"], figures["campaign"]["to_date"]
    campaign = [
        _campaign_sentence(month, opening=_("本月")),
        _campaign_sentence(to_date, opening=_("专项督导开展以来累计")),
    ]
    campaign = [sentence for sentence in campaign if sentence]
    if campaign:
        paragraphs.append(_sentence_sep().join(campaign))
    return paragraphs or [_("本月无督导检查和调度会议记录。")]


# A talk's reason is read in the 通报 up to its first full stop, and at most this long.
TALK_REASON_CHARS = 60
TALKS_NAMED = 5


def _talk_reason(text: str) -> str:
    reason = " ".join((text or "").split())
    for stop in ("。", "；", ";"):
        reason = reason.split(stop)[0]
    reason = reason.strip().rstrip("，,、.")
    return reason if len(reason) <= TALK_REASON_CHARS else reason[: TALK_REASON_CHARS - 1] + "…"


def _talks_sentence(talks: list[dict]) -> str:
    """约谈 and 提醒谈话 of the month, each naming the department and why: "针对整改不力问题，约谈
    责任单位负责人2人次、提醒谈话1人次：约谈市自然资源局局长（…）；…。" — '' when there were none,
    and a kind with none drops its clause (no zero read out)."""
    if not talks:
        return ""
    interviews = sum(1 for talk in talks if talk["kind"] == "interview")
    reminders = len(talks) - interviews
    counts = []
    if interviews:
        counts.append(_("约谈责任单位负责人%(n)s人次") % {"n": interviews})
    if reminders:
        counts.append(_("提醒谈话%(n)s人次") % {"n": reminders})
    named = []
    for talk in talks[:TALKS_NAMED]:
        kind = _("约谈") if talk["kind"] == "interview" else _("提醒谈话")
        reason = _talk_reason(talk["reason"])
        phrase = _("%(kind)s%(department)s%(post)s") % {
            "kind": kind,
            "department": talk["department"],
            "post": talk["interviewee_post"],
        }
        named.append(phrase + (_("（%(reason)s）") % {"reason": reason} if reason else ""))
    listing = _("；").join(named)
    if len(talks) > TALKS_NAMED:
        listing += _("等")
    return _("针对整改不力问题，%(counts)s：%(list)s。") % {"counts": _join(counts), "list": listing}


def _campaign_sentence(figures: dict, *, opening: str) -> str:
    """受理问题线索…件、涉及…人，立案…件，给予党纪政务处分…人（按处分种类统计…），组织处理…人，
    运用“四种形态”…人（其中…），通报曝光典型问题…起…人 — each clause only when its figure is not
    zero, with the names of clues.figures. A frozen month without the newer figures reads as it
    was read out (.get: absent is not zero, it is unsaid)."""
    clauses = []
    if figures["cases"]:
        clause = _("受理问题线索%(n)s件") % {"n": figures["cases"]}
        if figures["people"]:
            clause += _("、涉及%(n)s人") % {"n": figures["people"]}
        clauses.append(clause)
    if figures.get("filed"):
        clauses.append(_("立案%(n)s件") % {"n": figures["filed"]})
    if figures["sanctioned"]:
        clause = _("给予党纪政务处分%(n)s人") % {"n": figures["sanctioned"]}
        # A person may be given both kinds: the kinds are a count beside the whole, never its 其中.
        kinds = [
            text % {"n": figures[key]}
            for key, text in (("party", _("党纪处分%(n)s人")), ("government", _("政务处分%(n)s人")))
            if figures.get(key)
        ]
        if kinds:
            clause += _("（按处分种类统计，%(kinds)s）") % {"kinds": _list_sep().join(kinds)}
        clauses.append(clause)
    if figures.get("organizational"):
        clauses.append(_("组织处理%(n)s人") % {"n": figures["organizational"]})
    forms = [(n, figures.get(f"form_{n}") or 0) for n in range(1, 5)]
    total_forms = sum(count for _n, count in forms)
    if total_forms:
        clause = _("运用监督执纪“四种形态”处理%(n)s人") % {"n": total_forms}
        named = [_FORM_TEXT[n]() % {"n": count} for n, count in forms if count]
        # One form per person: the parts add up to the whole, so 其中 is exact.
        if len(named) > 1:
            clause += _("（其中%(forms)s）") % {"forms": _list_sep().join(named)}
        elif named:
            clause += _("（均为%(form)s）") % {"form": _FORM_NAME[next(n for n, c in forms if c)]()}
        clauses.append(clause)
    if figures["notified_cases"]:
        clause = _("通报曝光典型问题%(n)s起") % {"n": figures["notified_cases"]}
        if figures.get("notified_people"):
            clause += _("%(n)s人") % {"n": figures["notified_people"]}
        clauses.append(clause)
    if not clauses:
        return ""
    if _chinese():
        return opening + _sentence(clauses)
    return opening.strip() + " " + _clause_sep().join(clauses) + _("。")


_FORM_NAME = {
    1: lambda: _("第一种形态"),
    2: lambda: _("第二种形态"),
    3: lambda: _("第三种形态"),
    4: lambda: _("第四种形态"),
}
_FORM_TEXT = {
    1: lambda: _("第一种形态%(n)s人"),
    2: lambda: _("第二种形态%(n)s人"),
    3: lambda: _("第三种形态%(n)s人"),
    4: lambda: _("第四种形态%(n)s人"),
}


# --- 三、存在的问题 ---------------------------------------------------------------------------


def _problems(figures: dict) -> list[str]:
    core = figures["core"]
    patterns = figures.get("patterns", {})
    paragraphs = []
    if core["overdue"]:
        paragraphs.append(
            _pattern(
                _("部分问题整改不及时。逾期未整改问题%(n)s件") % {"n": core["overdue"]},
                categories=patterns.get("overdue_categories", []),
                departments=[
                    _("%(name)s（%(n)s件，最长逾期%(days)s个工作日）") % row
                    for row in patterns.get("overdue_departments", [])
                ],
                total=patterns.get("overdue_departments_total"),
            )
        )
    if patterns.get("reworked"):
        paragraphs.append(
            _pattern(
                _("整改质量有待提高。退回返工问题%(n)s件") % {"n": patterns["reworked"]},
                categories=patterns.get("reworked_categories", []),
                departments=[_("%(name)s%(n)s件") % row for row in patterns.get("reworked_departments", [])],
                total=patterns.get("reworked_departments_total"),
            )
        )
    if patterns.get("late_signed"):
        paragraphs.append(
            _pattern(
                _("部分单位签收不及时。超过签收时限签收或未签收的问题%(n)s件") % {"n": patterns["late_signed"]},
                categories=[],
                departments=[_("%(name)s%(n)s件") % row for row in patterns.get("late_signed_departments", [])],
                total=patterns.get("late_signed_departments_total"),
            )
        )
    blocked = patterns.get("blocked_stages", [])
    if blocked:
        paragraphs.append(
            _sentence(
                [
                    _("项目前期手续办理受阻%(n)s项") % {"n": patterns.get("blocked_total", len(blocked))},
                    _join([_blocked_phrase(row) for row in blocked[:MAX_NAMED]]),
                ]
            )
        )
    paragraphs = _ordinal(paragraphs)
    black = (figures.get("ranking") or {}).get("black", [])
    if black:
        paragraphs.append(
            _("根据红黑榜评定规则，以下单位列入本月黑榜：%(list)s。")
            % {"list": _("；").join(_("%(name)s（%(reason)s）") % row for row in black)}
        )
    return paragraphs or [_("本月未发现逾期未整改、退回返工和手续受阻等突出问题。")]


def _blocked_phrase(row: dict) -> str:
    if row.get("days"):
        return _("%(project)s%(stage)s已受阻%(days)s天") % row
    return _("%(project)s%(stage)s受阻") % row


def _pattern(lead: str, *, categories: list[dict], departments: list[str], total: int | None) -> str:
    """A problem read from the data: the count, the categories it gathers in, the units behind it."""
    clauses = [lead]
    if categories:
        clauses.append(
            _("主要集中在%(list)s") % {"list": _join([_("%(label)s%(n)s件") % row for row in categories[:MAX_NAMED]])}
        )
    if departments:
        clauses.append(_("涉及%(list)s") % {"list": _named(departments, total)})
    return _sentence(clauses)


_ORDINALS = ("一是", "二是", "三是", "四是", "五是", "六是")


def _ordinal(paragraphs: list[str]) -> list[str]:
    """一是、二是… in the order the paragraphs stand, so a dropped one never leaves a gap."""
    if not _chinese():
        return paragraphs
    return [_ORDINALS[index] + paragraph for index, paragraph in enumerate(paragraphs)]


# --- 四、下步工作要求 -------------------------------------------------------------------------


def _next_steps(figures: dict) -> list[str]:
    paragraphs = []
    steps = []
    for focus in figures.get("next_focus", []):
        text = focus["text"].strip().rstrip("。；;.")
        if text:
            steps.append(
                _("按照%(meeting)s部署，下月督导重点：%(text)s。") % {"meeting": focus["meeting"], "text": text}
            )
    core = figures["core"]
    if core["overdue"]:
        black = [row["name"] for row in (figures.get("ranking") or {}).get("black", [])]
        if black:
            steps.append(
                _("列入黑榜的%(names)s要切实扛起整改主体责任，对逾期未整改问题逐件明确时限、限期整改到位。")
                % {"names": _join(black)}
            )
        else:
            steps.append(_("各责任单位要切实扛起整改主体责任，对逾期未整改问题逐件明确时限、限期整改到位。"))
    red = (figures.get("ranking") or {}).get("red", [])
    if red:
        steps.append(
            _("%(names)s按期整改、无逾期问题，列入本月红榜，予以通报表扬。")
            % {"names": _join([row["name"] for row in red])}
        )
    steps.append(_("各督导组要持续跟踪问题整改，对整改不力、敷衍整改的，依规依纪严肃问责。"))
    for index, step in enumerate(steps, start=1):
        paragraphs.append((_("（%(n)s）") % {"n": _chinese_number(index)} if _chinese() else f"({index}) ") + step)
    return paragraphs


def _chinese_number(n: int) -> str:
    digits = "一二三四五六七八九十"
    return digits[n - 1] if 1 <= n <= 10 else str(n)


# --- the whole -------------------------------------------------------------------------------


def bulletin_for(*, month, scope, figures: dict) -> Bulletin:
    """The 通报 of `month` in `scope` (a reports.figures.Month and ReportScope) from its figures."""
    title = bulletin_title(
        month_label=month.label, scope_label=scope.label, is_city=scope.group_id is None and scope.user is None
    )
    return Bulletin(
        title=title,
        sections=[
            BulletinSection(heading=_("一、总体情况"), paragraphs=_overall(figures, month_label=month.label)),
            BulletinSection(heading=_("二、主要做法和成效"), paragraphs=_practice(figures)),
            BulletinSection(heading=_("三、存在的问题"), paragraphs=_problems(figures)),
            BulletinSection(heading=_("四、下步工作要求"), paragraphs=_next_steps(figures)),
        ],
    )


def bulletin_from_stored(*, stored: dict | None, narrative: str, title: str) -> Bulletin:
    """A frozen summary's 通报: the stored sections, or — for rows frozen before the 通报 had
    sections — the old one-paragraph narrative under the title, so an old month still reads."""
    if stored and stored.get("sections"):
        return Bulletin.from_dict(stored)
    return Bulletin(title=title, sections=[BulletinSection(heading="", paragraphs=[narrative] if narrative else [])])
