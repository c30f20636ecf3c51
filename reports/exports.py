"""Exports: the monthly summary as Word (GB/T 9704-2012 layout) and Excel, and the issue ledger
(整改台账) as Excel written row by row so 10,000 issues stay far under 200 MB.

Word fonts are set on the East Asian slot (w:eastAsia) — the slot Word uses for Chinese — and the
document's font table names each font's fallback (w:altName: 方正小标宋简体 -> 宋体, 仿宋_GB2312 ->
仿宋, 楷体_GB2312 -> 楷体), so a machine without the official fonts still prints a proper layout.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from issues.models import Issue, IssueStatus, ProgressUpdate
from reports.narrative import Bulletin

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei"}
LATIN_FONT = "Times New Roman"
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
SIZE_TABLE = Pt(12)  # 小4号, tables
LINE_EXACT = Pt(28.9)  # 22 lines in the 225 mm text block
CHINESE_NUMERALS = "一二三四五六七八九十"

LEDGER_COLUMNS = [
    gettext_lazy(name)
    for name in (
        "序号",
        "问题描述",
        "所属项目",
        "责任单位",
        "协办单位",
        "交办时间",
        "整改时限",
        "整改进展",
        "整改状态",
        "是否逾期",
        "销号时间",
    )
]


def _rate(value) -> str:
    return "—" if value is None else f"{value:g}%"


# --- Word ------------------------------------------------------------------------------------


def _set_fonts(run, east_asia: str, size) -> None:
    run.font.size = size
    run.font.name = LATIN_FONT
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _fixed_spacing(paragraph, *, first_line_indent: bool = False) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_EXACT
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if first_line_indent:
        fmt.first_line_indent = Pt(32)  # two 3号 characters


def _paragraph(document, text: str, *, font: str = BODY_FONT, size=SIZE_3, indent: bool = True, align=None):
    paragraph = document.add_paragraph()
    _fixed_spacing(paragraph, first_line_indent=indent)
    if align is not None:
        paragraph.alignment = align
    _set_fonts(paragraph.add_run(text), font, size)
    return paragraph


def _register_fallbacks(document) -> None:
    """Name a fallback for each official font in word/fontTable.xml (w:altName)."""
    part = next((rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
    if part is None:
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, fallback in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), fallback)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(alt)
        font.append(charset)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(footer, *, align) -> None:
    """'— 1 —' in 4号 half-width digits, as GB/T 9704 wants."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    _set_fonts(paragraph.add_run("— "), BODY_FONT, SIZE_4)
    run = paragraph.add_run()
    _set_fonts(run, LATIN_FONT, SIZE_4)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _set_fonts(paragraph.add_run(" —"), BODY_FONT, SIZE_4)
    # Odd pages right, even pages left, each one character in from the edge.
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(14)
    else:
        paragraph.paragraph_format.left_indent = Pt(14)


def _setup_page(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28 - 7)  # the number sits about 7 mm below the text block
    document.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, align=WD_ALIGN_PARAGRAPH.LEFT)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _table(document, header: list[str], rows: Iterable[Iterable]) -> None:
    rows = list(rows)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row_index, values in enumerate([header, *rows]):
        for cell, value in zip(table.rows[row_index].cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_fonts(paragraph.add_run(str(value)), HEADING_FONT if row_index == 0 else BODY_FONT, SIZE_TABLE)


def summary_docx(*, figures: dict, bulletin: Bulletin, issued_on: dt.date | None = None) -> bytes:
    """The monthly 通报 as a Word document laid out per GB/T 9704-2012: the 通报's sections, then the
    figures it was written from as 附件 tables (the same figures and words as the summary page)."""
    document = Document()
    _setup_page(document)
    _register_fallbacks(document)
    core = figures["core"]
    _paragraph(document, bulletin.title, font=TITLE_FONT, size=SIZE_2, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "", indent=False)
    if figures["live"]:
        _paragraph(
            document,
            _("（本月数据截至%(day)s，为实时数据）") % {"day": figures["as_of"]},
            indent=False,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            font=SUBHEADING_FONT,
        )
    for section in bulletin.sections:
        if section.heading:
            _paragraph(document, section.heading, font=HEADING_FONT)
        for text in section.paragraphs:
            _paragraph(document, text)
    _paragraph(document, "", indent=False)
    _paragraph(document, _("附件：督导调度数据表"), font=HEADING_FONT, indent=False)
    headings = iter(CHINESE_NUMERALS)

    def heading(text: str) -> None:
        _paragraph(document, f"（{next(headings)}）{text}", font=SUBHEADING_FONT)

    heading(_("主要指标"))
    _table(
        document,
        [_("新交办"), _("整改销号"), _("按期销号"), _("逾期未整改"), _("整改率"), _("按期整改率")],
        [
            [
                core["handed_off"],
                core["closed"],
                core["closed_on_time"],
                core["overdue"],
                _rate(core["rectification_rate"]),
                _rate(core["on_time_rate"]),
            ]
        ],
    )
    ranking = figures.get("ranking")
    if ranking:
        heading(_("责任单位红黑榜"))
        listed = [(_("红榜"), row) for row in ranking["red"]] + [(_("黑榜"), row) for row in ranking["black"]]
        if listed:
            _table(
                document,
                [_("榜单"), _("责任单位"), _("列榜理由")],
                [[kind, r["name"], r["reason"]] for kind, r in listed],
            )
        else:
            _paragraph(document, _("本期无单位列入红榜或黑榜。"))
        _paragraph(document, _("评定规则：") + ranking["rules_text"]["red"] + ranking["rules_text"]["black"])
    heading(_("各责任单位整改情况"))
    _table(document, _unit_header(_("责任单位")), _unit_rows(figures["departments"]))
    heading(_("各项目问题情况"))
    _table(document, _unit_header(_("项目")), _unit_rows(figures["projects"]))
    heading(_("逾期未整改问题清单"))
    overdue = figures["overdue_list"]
    if overdue:
        _table(
            document,
            [_("编号"), _("问题"), _("项目"), _("责任单位"), _("整改时限"), _("逾期（工作日）")],
            [
                [r["code"], r["title"], r["project"], r["department"], r["deadline"], r["working_days_overdue"]]
                for r in overdue
            ],
        )
        if figures["overdue_list_total"] > len(overdue):
            _paragraph(
                document,
                _("另有%(n)s件逾期问题详见整改台账。") % {"n": figures["overdue_list_total"] - len(overdue)},
            )
    else:
        _paragraph(document, _("无。"))
    heading(_("督导检查开展情况"))
    visits = figures["visits"]
    _table(
        document,
        [_("检查次数"), _("座谈交流"), _("查阅文件"), _("实地察看"), _("其中“回头看”")],
        [[visits["total"], visits["forum"], visits["documents"], visits["onsite"], visits["recheck"]]],
    )
    heading(_("调度会议定事项"))
    if figures["decisions"]:
        for index, decision in enumerate(figures["decisions"], start=1):
            who = f"（{decision['department']}）" if decision["department"] else ""
            _paragraph(document, f"{index}.{decision['text']}{who}")
    else:
        _paragraph(document, _("本月无会议决定事项。"))
    heading(_("问题线索和处分情况"))
    month, to_date = figures["campaign"]["month"], figures["campaign"]["to_date"]
    _table(document, _campaign_header(), _campaign_rows(month, to_date))
    issued_on = issued_on or timezone.localdate()
    _paragraph(document, "", indent=False)
    date_line = _paragraph(
        document,
        f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    date_line.paragraph_format.right_indent = Pt(64)  # 右空四字
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_CAMPAIGN_KEYS = ("cases", "people", "sanctioned", "notified_cases", "notified_people")


def _campaign_header() -> list[str]:
    """The same words as the summary page and the 通报: 受理问题线索, 党纪政务处分, 通报曝光典型问题 (起/人)."""
    return [
        "",
        _("受理问题线索（件）"),
        _("涉及人数"),
        _("党纪政务处分（人）"),
        _("通报曝光典型问题（起）"),
        _("通报曝光（人）"),
    ]


def _campaign_rows(month: dict, to_date: dict) -> list[list]:
    return [[_("本月"), *(month[k] for k in _CAMPAIGN_KEYS)], [_("累计"), *(to_date[k] for k in _CAMPAIGN_KEYS)]]


def _unit_header(first: str) -> list[str]:
    return [first, _("新交办"), _("整改销号"), _("按期销号"), _("未办结"), _("逾期"), _("按期整改率")]


def _unit_rows(rows: list[dict]) -> Iterator[list]:
    for row in rows:
        yield [
            row["name"],
            row["handed_off"],
            row["closed"],
            row["closed_on_time"],
            row["open"],
            row["overdue"],
            _rate(row["on_time_rate"]),
        ]


# --- Excel: summary ------------------------------------------------------------------------


def summary_xlsx(*, figures: dict, bulletin: Bulletin) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    sheet.title = _("概况")
    core = figures["core"]
    sheet.append(
        [_("%(scope)s%(month)s督导调度汇总") % {"scope": figures["scope"]["label"], "month": figures["month_label"]}]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [_("数据状态"), _("实时（截至%(day)s）") % {"day": figures["as_of"]} if figures["live"] else _("已冻结")]
    )
    for label, key in (
        (_("新交办问题（件）"), "handed_off"),
        (_("整改销号（件）"), "closed"),
        (_("按期销号（件）"), "closed_on_time"),
        (_("逾期后销号（件）"), "closed_late"),
        (_("撤销（件）"), "withdrawn"),
        (_("未办结（件）"), "open"),
        (_("逾期未整改（件）"), "overdue"),
        (_("退回返工（累计，件）"), "reworked"),
        (_("累计交办（件）"), "total_handed_off"),
        (_("累计销号（件）"), "total_closed"),
    ):
        sheet.append([label, core[key]])
    sheet.append([_("整改率（%）"), core["rectification_rate"]])
    sheet.append([_("按期整改率（%）"), core["on_time_rate"]])
    sheet.append([_("通报"), bulletin.text])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100

    def table(title: str, header: list[str], rows: Iterable[Iterable]) -> None:
        ws = workbook.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(list(row))

    unit_keys = ("handed_off", "closed", "closed_on_time", "open", "overdue", "withdrawn", "on_time_rate")
    unit_header = [_("新交办"), _("已销号"), _("按期销号"), _("未办结"), _("逾期"), _("撤销"), _("按期整改率（%）")]
    table(
        _("责任单位"),
        [_("责任单位"), *unit_header],
        ([r["name"], *(r[k] for k in unit_keys)] for r in figures["departments"]),
    )
    table(_("项目"), [_("项目"), *unit_header], ([r["name"], *(r[k] for k in unit_keys)] for r in figures["projects"]))
    table(
        _("逾期清单"),
        [_("编号"), _("问题"), _("项目"), _("责任单位"), _("整改时限"), _("逾期（工作日）")],
        (
            [r["code"], r["title"], r["project"], r["department"], r["deadline"], r["working_days_overdue"]]
            for r in figures["overdue_list"]
        ),
    )
    ranking = figures.get("ranking")
    if ranking:
        table(
            _("红黑榜"),
            [
                _("责任单位"),
                _("榜单"),
                _("列榜理由"),
                _("销号"),
                _("按期整改率（%）"),
                _("逾期未整改"),
                _("最长逾期（工作日）"),
                _("退回返工"),
                _("平均办结（工作日）"),
            ],
            (
                [
                    r["name"],
                    {"red": _("红榜"), "black": _("黑榜")}.get(r["list"], ""),
                    r["reason"],
                    r["closed"],
                    r["on_time_rate"],
                    r["overdue"],
                    r["max_overdue_working_days"],
                    r["reworked"],
                    r["avg_close_working_days"],
                ]
                for r in ranking["rows"]
            ),
        )
    visits = figures["visits"]
    table(
        _("督导检查"),
        [_("检查次数"), _("座谈交流"), _("查阅文件"), _("实地察看"), _("回头看")],
        [[visits["total"], visits["forum"], visits["documents"], visits["onsite"], visits["recheck"]]],
    )
    table(
        _("会议决定"),
        [_("会议"), _("日期"), _("决定事项"), _("责任单位"), _("完成时限"), _("交办问题"), _("已落实")],
        (
            [
                d["meeting"],
                d["date"],
                d["text"],
                d["department"],
                d["due_on"],
                d["issue_code"],
                _("是") if d["is_done"] else _("否"),
            ]
            for d in figures["decisions"]
        ),
    )
    campaign = figures["campaign"]
    table(_("问题线索"), _campaign_header(), _campaign_rows(campaign["month"], campaign["to_date"]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Excel: the ledger ---------------------------------------------------------------------


def ledger_rows(issues: QuerySet[Issue], *, today: dt.date) -> Iterator[list]:
    """One row per issue in the ledger's column order. The latest progress text comes from a
    correlated subquery and assisting departments from a prefetch per chunk of 2,000 rows, so the
    query count grows with rows/2000, never per row, and rows are never all held in memory."""
    latest = ProgressUpdate.objects.filter(issue=OuterRef("pk")).order_by("-created_at", "-pk").values("text")[:1]
    rows = (
        issues.select_related("project", "lead_department")
        .prefetch_related("assisting_departments")
        .annotate(latest_progress=Subquery(latest))
    )
    for index, issue in enumerate(rows.iterator(chunk_size=2000), start=1):
        yield [
            index,
            f"{issue.title}：{issue.description}",
            str(issue.project),
            str(issue.lead_department),
            "、".join(str(dept) for dept in issue.assisting_departments.all()),
            timezone.localtime(issue.handed_off_at).strftime("%Y-%m-%d"),
            issue.rectification_deadline.strftime("%Y-%m-%d"),
            issue.latest_progress or "",
            issue.get_status_display(),
            _("是") if issue.is_overdue(today) else _("否"),
            timezone.localtime(issue.closed_at).strftime("%Y-%m-%d") if issue.status == IssueStatus.CLOSED else "",
        ]


def ledger_xlsx_file(issues: QuerySet[Issue], *, title: str) -> tempfile.SpooledTemporaryFile:
    """The ledger as .xlsx in a temporary file, written in openpyxl's write-only mode: rows go
    straight to disk, so memory stays flat whatever the row count. The caller streams the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("整改台账"))
    for column, width in zip("ABCDEFGHIJK", (6, 60, 24, 20, 24, 12, 12, 40, 10, 8, 12), strict=True):
        sheet.column_dimensions[column].width = width
    from openpyxl.cell import WriteOnlyCell

    def header_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        return cell

    sheet.append([header_cell(title)])
    sheet.append([header_cell(str(name)) for name in LEDGER_COLUMNS])
    for row in ledger_rows(issues, today=timezone.localdate()):
        sheet.append(row)
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output
