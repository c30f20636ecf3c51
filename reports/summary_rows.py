"""The monthly summary's long tables as HTML rows, built in Python as the 红黑榜's are
(reports.ranking_rows): the departments (50 at S), the first projects (30), the overdue list (50)
and the decisions (up to 100) took the template engine about 4 ms per table, a URL reversed per
row among them. The markup is the one templates/reports/summary.html had in its loops; values
are escaped with html.escape and shown as the template showed them (localized, missing keys
empty). The tables' empty rows stay in the template."""

from __future__ import annotations

import functools
from html import escape

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.ranking_rows import DASH, number_cell


@functools.lru_cache(maxsize=8)
def _issue_prefix(script_prefix: str, urlconf: str) -> str:
    """The path of an issue's page without its id, reversed once per prefix and URL conf."""
    return reverse("issues:detail", args=[0], urlconf=urlconf).removesuffix("0/")


def issue_url(issue_id: int) -> str:
    return f"{_issue_prefix(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)}{issue_id}/"


def _text(value) -> str:
    """`{{ value }}`: a missing value (None from .get) is empty, as the template's lookup of a
    missing key was."""
    return "" if value is None else number_cell(value)


def _linked(value, url: str, css: str = "") -> str:
    if not url:
        return _text(value)
    css_attribute = f' class="{css}"' if css else ""
    return f'<a{css_attribute} href="{escape(url)}">{_text(value)}</a>'


def _counts_row(row: dict, *, always_linked: bool) -> str:
    """A department's or a project's row: new, closed (linked to the ledger), on time, open,
    overdue (red when any, linked while the month is live)."""
    handed_off, closed = row.get("handed_off"), row.get("closed")
    if always_linked:  # the projects' links are always there
        handed_off_cell = f'<a href="{escape(row.get("handed_off_url", ""))}">{_text(handed_off)}</a>'
        closed_cell = f'<a href="{escape(row.get("closed_url", ""))}">{_text(closed)}</a>'
    else:
        handed_off_cell = _linked(handed_off, row.get("handed_off_url", ""))
        closed_cell = _linked(closed, row.get("closed_url", ""))
    overdue = row.get("overdue")
    red = " text-dd-red fw-bold" if overdue else ""
    return (
        f"<tr><td>{_text(row.get('name'))}</td>"
        f'<td class="text-end">{handed_off_cell}</td>'
        f'<td class="text-end">{closed_cell}</td>'
        f'<td class="text-end">{_text(row.get("closed_on_time"))}</td>'
        f'<td class="text-end">{_text(row.get("open"))}</td>'
        f'<td class="text-end{red}">{_linked(overdue, row.get("overdue_url", ""), "text-reset")}</td></tr>'
    )


def department_rows_html(rows: list[dict]) -> SafeString:
    return mark_safe("\n".join(_counts_row(row, always_linked=False) for row in rows))  # noqa: S308 - escaped


def project_rows_html(rows: list[dict]) -> SafeString:
    return mark_safe("\n".join(_counts_row(row, always_linked=True) for row in rows))  # noqa: S308 - escaped


def overdue_rows_html(rows: list[dict]) -> SafeString:
    return mark_safe(  # noqa: S308 - every value is escaped
        "\n".join(
            f'<tr><td class="dd-nowrap"><a href="{issue_url(row["id"])}">{_text(row.get("code"))}</a></td>'
            f"<td>{_text(row.get('title'))}</td>"
            f'<td class="d-none d-md-table-cell">{_text(row.get("project"))}</td>'
            f"<td>{_text(row.get('department'))}</td>"
            f'<td class="dd-nowrap d-none d-sm-table-cell">{_text(row.get("deadline"))}</td>'
            f'<td class="text-end">{_text(row.get("working_days_overdue"))}</td></tr>'
            for row in rows
        )
    )


def decision_rows_html(rows: list[dict]) -> SafeString:
    done, going = escape(_("已落实")), escape(_("推进中"))
    lines = []
    for row in rows:
        issue_id = row.get("issue_id")
        issue = f'<a href="{issue_url(issue_id)}">{_text(row.get("issue_code"))}</a>' if issue_id else DASH
        lines.append(
            f'<tr><td class="small">{_text(row.get("meeting"))}<br>'
            f'<span class="text-muted">{_text(row.get("date"))}</span></td>'
            f"<td>{_text(row.get('text'))}</td>"
            f"<td>{_text(row.get('department')) or DASH}</td>"
            f'<td class="dd-nowrap">{_text(row.get("due_on")) or DASH}</td>'
            f"<td>{issue}</td><td>{done if row.get('is_done') else going}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped
