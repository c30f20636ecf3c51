"""User text at the edges: refused at input when it holds control characters, made inert at the
export boundary (Word and Excel) whatever an older row or a frozen summary still holds.

Why both: a vertical tab pasted from Word or a bell character makes openpyxl and python-docx raise
(XML 1.0 forbids them), and text starting with = + - @ becomes a live formula in Excel (OWASP,
"CSV injection"). Input validation keeps new rows clean; the export helpers keep old rows — and
frozen snapshots, which are never rewritten — exportable.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls except \t \n \r, DEL, C1 controls, lone surrogates, and the two XML non-characters.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
FORBIDDEN_RE = re.compile(f"[{_FORBIDDEN}]")
# Word's manual line break (\v) and page break (\f) mean a new line; everything else goes.
_AS_NEWLINE = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
# Spreadsheet formula leaders (OWASP CSV injection): a cell starting with one is written as text.
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def export_text(value: object) -> str:
    """`value` as text safe for a Word or Excel file: \\r\\n and \\r become \\n, \\v and \\f become
    \\n, every other control character is dropped; everything else is kept as written."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_AS_NEWLINE)
    return FORBIDDEN_RE.sub("", text)


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_LEADERS)


def reject_control_characters(value: object) -> None:
    """Validator for free-text fields in forms and API serializers (tab and line breaks allowed)."""
    if isinstance(value, str):
        found = FORBIDDEN_RE.search(value.replace("\r\n", "\n"))
        if found:
            raise ValidationError(
                _(
                    "内容含有不可见的控制字符（第%(position)s个字符，编码U+%(code)s），"
                    "多为从Word或网页粘贴带入，请删除后重新提交。"
                ),
                code="control_character",
                params={"position": found.start() + 1, "code": f"{ord(found.group()):04X}"},
            )


class ControlCharacterFreeFormMixin:
    """A form whose every text field refuses control characters (see reject_control_characters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(reject_control_characters)


def xlsx_cell(sheet, value: object):
    """An openpyxl cell for `sheet` (normal or write-only) holding `value`: numbers, booleans,
    dates and None as they are; anything else as a typed string cell (data_type "s"), which
    openpyxl writes as an inline string — never a formula, never an error value ("#N/A") —
    cleaned by export_text. Text that starts like a formula also gets Excel's quote prefix, so
    editing the cell in Excel keeps it text."""
    import datetime as dt
    from decimal import Decimal

    from openpyxl.cell.cell import Cell

    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date, dt.time, dt.timedelta)):
        return Cell(sheet, row=1, column=1, value=value)
    text = export_text(value)
    cell = Cell(sheet, row=1, column=1)
    cell._value = text
    cell.data_type = "s"
    if starts_like_formula(text):
        cell.quotePrefix = True
    return cell
