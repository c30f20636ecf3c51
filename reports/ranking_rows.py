"""The 红黑榜 table's rows as HTML, built in Python: the dashboard and the monthly summary show
every department's record (50 rows at S), and Django's template engine took 10–13 ms to render
them (200–270 µs a row: a URL reversed, a blocktranslate and seven conditional cells each). The
markup is the one templates/reports/_ranking.html had in its loop; every value is escaped with
the standard library's html.escape, as Django's own escape does, without its lazy-string wrapper
(a third of the time when built with format_html)."""

from __future__ import annotations

import functools
from html import escape

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

DASH = "—"


@functools.lru_cache(maxsize=8)
def _talks_department_prefix(script_prefix: str, urlconf: str) -> str:
    """The path of a department's talks without its id (…/departments/): reversed once per
    prefix and URL conf, as reports.figures.ledger_url does for the ledger."""
    return reverse("talks:department", args=[0], urlconf=urlconf).removesuffix("0/")


def talks_department_url(department_id: int) -> str:
    prefix = _talks_department_prefix(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{prefix}{department_id}/"


def number_cell(value) -> str:
    """As the template showed a figure: an int as it is, anything else localized."""
    return str(value) if isinstance(value, int) else escape(str(localize(value)))


def _linked(value, url: str) -> str:
    return f'<a href="{escape(url)}">{number_cell(value)}</a>' if url else number_cell(value)


def _overdue_cell(row: dict) -> str:
    if not row.get("overdue"):
        return DASH
    text = escape(
        _("%(n)s件，最长%(days)s个工作日")
        % {"n": number_cell(row["overdue"]), "days": number_cell(row.get("max_overdue_working_days", ""))}
    )
    if row.get("overdue_url"):
        return f'<a class="text-dd-red fw-bold" href="{escape(row["overdue_url"])}">{text}</a>'
    return f'<span class="text-dd-red fw-bold">{text}</span>'


def ranking_rows_html(rows: list[dict]) -> SafeString:
    """Every department's row of the 红黑榜 table (the rows of figures' ranking, with the links
    reports.views._ranking_links added). A month frozen before a figure existed lacks its key:
    read with .get, as the template read it."""
    title = escape(_("该单位约谈情况"))
    badges = {
        "red": f'<span class="badge text-bg-danger">{escape(_("红榜"))}</span>',
        "black": f'<span class="badge text-bg-dark">{escape(_("黑榜"))}</span>',
    }
    css = {"red": "dd-rank-best", "black": "dd-rank-worst"}
    lines = []
    for row in rows:
        listed = row.get("list") or ""
        department = row["id"]
        closed = _linked(row["closed"], row.get("closed_url", "")) if row.get("closed") else DASH
        reworked = _linked(row["reworked"], row.get("reworked_url", "")) if row.get("reworked") else DASH
        rate = DASH if row.get("on_time_rate") is None else f"{number_cell(row['on_time_rate'])}%"
        average = DASH if row.get("avg_close_working_days") is None else number_cell(row["avg_close_working_days"])
        lines.append(
            f'<tr class="{css.get(listed, "")}" data-department="{department}" data-list="{escape(listed)}">'
            f'<td class="text-nowrap"><a class="link-body-emphasis" href="{talks_department_url(department)}"'
            f' title="{title}">{escape(str(row.get("name", "")))}</a></td>'
            f'<td class="text-end">{closed}</td><td class="text-end">{rate}</td>'
            f'<td class="text-end dd-nowrap">{_overdue_cell(row)}</td>'
            f'<td class="text-end">{reworked}</td><td class="text-end">{average}</td>'
            f"<td>{badges.get(listed, '')}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped
