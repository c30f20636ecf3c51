"""The 问题清单 file: its columns, the template an inspector downloads, and the streaming reader
of a filled one. No database here: intake.validation decides what the cells mean.

The reader opens the workbook read-only (openpyxl streams the sheet's XML row by row), so a file
of thousands of rows costs memory for one row at a time plus the shared-strings table; the zip's
declared sizes are checked first, so a small file that unpacks to gigabytes is refused before
openpyxl reads it. Formula cells are never evaluated: a cell holding a formula is reported.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.i18n import system_language
from core.text import xlsx_cell

# Unpacked size of the whole workbook and of its biggest part: a 10 MB xlsx of plain text rows
# unpacks to about 60 MB; more than this is a zip bomb or not a 问题清单.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
DATA_SHEET_TITLE = "问题清单"
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy Chinese text: the template's header, matched when reading
    required: bool
    max_length: int
    width: int
    note: Any = ""


COLUMNS: tuple[Column, ...] = (
    Column("project", gettext_lazy("所属项目"), True, 100, 26, gettext_lazy("填写您督导的项目全称，见模板“名录”页")),
    Column("title", gettext_lazy("问题标题"), False, 200, 28, gettext_lazy("选填；不填时取问题描述的第一句")),
    Column("description", gettext_lazy("问题描述"), True, 2000, 50, gettext_lazy("写清问题事实，不超过2000字")),
    Column("category", gettext_lazy("问题类别"), True, 20, 14, gettext_lazy("下拉选择")),
    Column("severity", gettext_lazy("严重程度"), False, 10, 12, gettext_lazy("下拉选择；不填为“一般”")),
    Column("lead_department", gettext_lazy("责任单位"), True, 100, 24, gettext_lazy("一个单位，填全称或简称")),
    Column(
        "assisting_departments",
        gettext_lazy("协办单位"),
        False,
        500,
        24,
        gettext_lazy("选填；多个单位用顿号“、”分隔"),
    ),
    Column(
        "sign_deadline",
        gettext_lazy("签收时限"),
        False,
        30,
        14,
        gettext_lazy("工作日数（如 2）或日期（如 2026-12-31）；不填为2个工作日"),
    ),
    Column(
        "rectification_deadline",
        gettext_lazy("整改时限"),
        False,
        30,
        14,
        gettext_lazy("工作日数（如 20）或日期；不填为20个工作日"),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
DEADLINE_KEYS = ("sign_deadline", "rectification_deadline")


class SheetError(Exception):
    """The file as a whole cannot be read as a 问题清单 (not the rows: those get row errors)."""


@dataclass
class SheetRow:
    """One non-empty line: its number in Excel, the raw value per column key, and what the reader
    itself found wrong (a formula, content outside the template's columns)."""

    number: int
    values: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)


def _header_text(value: Any) -> str:
    text = "" if value is None else str(value)
    for mark in ("*", "＊", "（必填）", "(必填)", "（选填）", "(选填)"):
        text = text.replace(mark, "")
    return "".join(text.split())


def header_labels() -> dict[str, str]:
    """Column key → its header in the system language (the file format is Chinese for everyone)."""
    with system_language():
        return {column.key: str(column.header) for column in COLUMNS}


def check_archive(upload: Any) -> None:
    """Refuse a zip whose parts unpack beyond the limits before openpyxl touches it."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise SheetError(_("文件不是有效的 Excel（.xlsx）文件，请用模板填写后另存为 .xlsx 再上传。")) from None
    finally:
        upload.seek(0)
    total = sum(member.file_size for member in members)
    ratio = max((member.file_size / max(member.compress_size, 1) for member in members), default=0)
    if total > MAX_UNPACKED_BYTES or ratio > MAX_COMPRESSION_RATIO:
        raise SheetError(_("文件解压后体积异常（可能是压缩炸弹），已拒绝读取。请用模板重新填写。"))


def read_rows(upload: Any, *, max_rows: int | None = None) -> Iterator[SheetRow]:
    """Stream the non-empty data rows of the 问题清单 sheet (the first sheet when none is called so).
    Raises SheetError for a file that is not a readable workbook, a header that is not the
    template's, or more rows than `max_rows` (checked while streaming, before reading them all)."""
    from openpyxl import load_workbook

    max_rows = max_rows or settings.DUDAO_INTAKE_MAX_ROWS
    check_archive(upload)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types for a damaged file; all mean "cannot read"
        raise SheetError(_("无法读取该 Excel 文件，文件可能已损坏。请用模板重新填写后上传。")) from None
    try:
        title = DATA_SHEET_TITLE if DATA_SHEET_TITLE in workbook.sheetnames else workbook.sheetnames[0]
        sheet = workbook[title]
        rows = sheet.iter_rows(min_row=1)
        header = next(rows, None)
        positions = _header_positions(header or ())
        width = max(positions.values()) + 1
        count = 0
        for cells in rows:
            values: dict[str, Any] = {}
            problems: list[tuple[str, str]] = []
            number = None
            extra = False
            for index, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if number is None and getattr(cell, "row", None):
                    number = cell.row
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if index >= width:
                    extra = True
                    continue
                key = next((k for k, position in positions.items() if position == index), None)
                if key is None:
                    continue
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                    problems.append((key, _("是公式，请改为直接填写文字或数值")))
                    values[key] = str(value)
                    continue
                values[key] = value
            if not values and not problems and not extra:
                continue
            count += 1
            if count > max_rows:
                raise SheetError(
                    _("文件超过%(max)s行，请分成多个文件导入（每个文件不超过%(max)s行）。") % {"max": max_rows}
                )
            if extra:
                problems.append(("", _("模板列之外还有内容，整行过长，请删除多余的列")))
            yield SheetRow(number=number or count + 1, values=values, problems=problems)
    finally:
        workbook.close()


def _header_positions(header: Sequence[Any]) -> dict[str, int]:
    labels = {"".join(text.split()): key for key, text in header_labels().items()}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = labels.get(_header_text(getattr(cell, "value", None)))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [header_labels()[column.key] for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        raise SheetError(
            _("表头不是问题清单模板的表头：第1行缺少“%(columns)s”列。请下载模板，在模板中填写。")
            % {"columns": "”“".join(missing)}
        )
    return positions


# --- the template ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateLists:
    """What the template's dropdowns and instructions offer: the inspector's projects, the
    departments that may be 责任单位 / 协办单位, the categories and severities (labels)."""

    projects: Sequence[str]
    departments: Sequence[str]
    categories: Sequence[str]
    severities: Sequence[str]


def _text_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """A cell holding `value` as text, never a formula (a project called "=…" stays its name)."""
    cell = sheet.cell(row=row, column=column)
    typed = xlsx_cell(sheet, value)
    cell._value, cell.data_type, cell.quotePrefix = typed._value, typed.data_type, typed.quotePrefix
    return cell


def template_xlsx(*, lists: TemplateLists, today: dt.date) -> bytes:
    """The 问题清单 template: the data sheet with its header, an example-free body, dropdowns
    (list validations) for project, category, severity and 责任单位, a 填写说明 sheet and a
    名录 sheet holding the lists the dropdowns read."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    with system_language():
        workbook = Workbook()
        data = workbook.active
        data.title = DATA_SHEET_TITLE
        header_fill = PatternFill("solid", fgColor="9E1B1E")
        for index, column in enumerate(COLUMNS, start=1):
            cell = data.cell(row=1, column=index, value=f"{column.header}{'*' if column.required else ''}")
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            letter = cell.column_letter
            data.column_dimensions[letter].width = column.width
        data.freeze_panes = "A2"
        data.row_dimensions[1].height = 24

        names = workbook.create_sheet("名录")
        lists_by_column = (
            ("project", _("我督导的项目"), lists.projects),
            ("category", _("问题类别"), lists.categories),
            ("severity", _("严重程度"), lists.severities),
            ("lead_department", _("可承担整改的单位"), lists.departments),
        )
        last_row = 1000
        for offset, (key, title, values) in enumerate(lists_by_column, start=1):
            head = names.cell(row=1, column=offset, value=title)
            head.font = Font(bold=True)
            for row, value in enumerate(values, start=2):
                _text_cell(names, row, offset, value)
            letter = head.column_letter
            names.column_dimensions[letter].width = 30
            if not values:
                continue
            target = next(index for index, column in enumerate(COLUMNS, start=1) if column.key == key)
            target_letter = data.cell(row=1, column=target).column_letter
            validation = DataValidation(
                type="list",
                formula1=f"'名录'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=key in ("category", "severity"),
                errorTitle=_("请从下拉列表中选择"),
                error=_("只能填写下拉列表中的选项。"),
            )
            validation.add(f"{target_letter}{FIRST_DATA_ROW}:{target_letter}{last_row}")
            data.add_data_validation(validation)

        guide = workbook.create_sheet("填写说明")
        guide.column_dimensions["A"].width = 16
        guide.column_dimensions["B"].width = 90
        guide.cell(row=1, column=1, value=_("问题清单填写说明")).font = Font(bold=True, size=14)
        lines = [
            (_("生成日期"), f"{today:%Y-%m-%d}"),
            (_("填写位置"), _("在“问题清单”页第2行起每行填写一个问题，不要修改第1行表头，不要插入合并单元格。")),
            (_("必填列"), _("带 * 的列必须填写：所属项目、问题描述、问题类别、责任单位。")),
        ]
        lines += [(str(column.header), str(column.note)) for column in COLUMNS]
        lines += [
            (_("工作日"), _("时限填数字时按工作日计算，从确认交办当天起算，已扣除法定节假日、计入调休上班日。")),
            (_("重复问题"), _("同一项目中与未办结问题描述相同的，视为重复交办，不予导入。")),
            (_("注意"), _("请直接填写文字，不要使用公式；不要从网页或Word粘贴不可见字符。")),
            (
                _("导入流程"),
                _("上传后系统逐行校验并预览，确认无误后才交办；有错误的文件不会交办，除非您选择只交办无误的行。"),
            ),
        ]
        for row, (label, text) in enumerate(lines, start=3):
            guide.cell(row=row, column=1, value=label).font = Font(bold=True)
            cell = _text_cell(guide, row, 2, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        workbook.active = 0
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
