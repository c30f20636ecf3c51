"""How the agenda's counts are read out, on the meeting page and in the reminder alike: only the
figures that are there ("未办结问题 5 件，其中红灯（逾期）2 件。"), never a "0 件" read aloud."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def agenda_counts_sentence(counts: Mapping[str, int], *, markup: bool = False) -> str:
    """One sentence for the agenda's open / red / yellow counts. With `markup` the figures are in
    <strong> (the red one marked as danger) and the result is safe HTML."""
    open_count, red, yellow = (int(counts.get(key) or 0) for key in ("open", "red", "yellow"))

    def figure(value: int, css: str = "") -> str:
        if not markup:
            return str(value)
        return (
            format_html('<strong class="{}">{}</strong>', css, value)
            if css
            else format_html("<strong>{}</strong>", value)
        )

    if not open_count:
        sentence = _("暂无未办结问题。")
    else:
        head = _("未办结问题%(count)s件") % {"count": figure(open_count)}
        parts = []
        if red:
            parts.append(_("红灯（逾期）%(count)s件") % {"count": figure(red, "text-danger")})
        if yellow:
            parts.append(_("黄灯（临期）%(count)s件") % {"count": figure(yellow)})
        if parts:
            sentence = _("%(head)s，其中%(parts)s。") % {"head": head, "parts": _("、").join(parts)}
        else:
            sentence = _("%(head)s，均未逾期或临期。") % {"head": head}
    # Only numbers and our own translated words went in: nothing a user typed.
    return mark_safe(sentence) if markup else sentence  # noqa: S308


def agenda_counts_html(counts: Mapping[str, int]) -> SafeString:
    return agenda_counts_sentence(counts, markup=True)  # type: ignore[return-value]
