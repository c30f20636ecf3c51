"""The summary as one paragraph in the register of a commission 通报, generated from the figures.

Pure function of the figures dictionary, so a frozen month's narrative is reproducible and the
live month's reads the same way ("截至X月X日" instead of the whole month).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MAX_NAMED_DEPARTMENTS = 3


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _date_cn(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}


def _chinese() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("zh")


def _departments_phrase(names: list[str]) -> str:
    named = ("、" if _chinese() else ", ").join(names[:MAX_NAMED_DEPARTMENTS])
    if len(names) > MAX_NAMED_DEPARTMENTS:
        return _("涉及%(names)s等%(n)s个部门") % {"names": named, "n": len(names)}
    return _("涉及%(names)s") % {"names": named}


def summary_narrative(figures: dict) -> str:
    core, visits, campaign = figures["core"], figures["visits"], figures["campaign"]
    numbers = {
        "scope": figures["scope"]["label"],
        "h": core["handed_off"],
        "c": core["closed"],
        "t": core["closed_on_time"],
        "otr": _rate(core["on_time_rate"]),
        "th": core["total_handed_off"],
        "tc": core["total_closed"],
        "rr": _rate(core["rectification_rate"]),
    }
    # Whole sentences per case, never stitched from fragments: other languages order them differently.
    if figures["live"]:
        opening = _(
            "截至%(day)s，%(scope)s本月新交办问题%(h)s件，已整改销号%(c)s件（其中按期销号%(t)s件），按期整改率%(otr)s；"
            "累计交办问题%(th)s件、销号%(tc)s件，整改率%(rr)s。"
        ) % {**numbers, "day": _date_cn(figures["as_of"])}
    else:
        opening = _(
            "%(month)s，%(scope)s本月新交办问题%(h)s件，已整改销号%(c)s件（其中按期销号%(t)s件），按期整改率%(otr)s；"
            "累计交办问题%(th)s件、销号%(tc)s件，整改率%(rr)s。"
        ) % {**numbers, "month": figures["month_label"]}
    parts = [opening]
    if core["overdue"]:
        parts.append(
            _("逾期未整改问题%(w)s件，%(departments)s，请相关责任单位切实扛起整改责任，限期整改到位。")
            % {"w": core["overdue"], "departments": _departments_phrase(figures["overdue_departments"])}
        )
    else:
        parts.append(_("无逾期未整改问题。"))
    if core["withdrawn"]:
        parts.append(_("本月撤销问题%(n)s件。") % {"n": core["withdrawn"]})
    if visits["total"]:
        parts.append(
            _("开展督导检查%(v)s次，其中座谈交流%(f)s次、查阅文件%(d)s次、实地察看%(o)s次、“回头看”%(r)s次。")
            % {
                "v": visits["total"],
                "f": visits["forum"],
                "d": visits["documents"],
                "o": visits["onsite"],
                "r": visits["recheck"],
            }
        )
    month, to_date = campaign["month"], campaign["to_date"]
    if any(month.values()) or any(to_date.values()):
        parts.append(
            _(
                "本月受理问题线索%(c)s件%(p)s人，给予党纪政务处分%(s)s人，通报曝光典型问题%(n)s件%(np)s人；"
                "专项行动以来累计查处问题%(tc)s件%(tp)s人，给予党纪政务处分%(ts)s人，通报曝光典型问题%(tn)s件。"
            )
            % {
                "c": month["cases"],
                "p": month["people"],
                "s": month["sanctioned"],
                "n": month["notified_cases"],
                "np": month["notified_people"],
                "tc": to_date["cases"],
                "tp": to_date["people"],
                "ts": to_date["sanctioned"],
                "tn": to_date["notified_cases"],
            }
        )
    if figures["decisions"]:
        parts.append(_("调度会议定事项%(n)s项。") % {"n": len(figures["decisions"])})
    return ("" if _chinese() else " ").join(parts)
