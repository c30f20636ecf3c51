"""A Word document laid out per GB/T 9704-2012 (党政机关公文格式), built with python-docx.

    doc = OfficialDocument(issuer=Issuer.from_settings(), document_date=day)
    doc.masthead(number="昭纪督〔2026〕12号")   # 版头: red 发文机关标志, 发文字号, red rule
    doc.title("关于……的通报")
    doc.recipients("各县（市、区）纪委监委")     # 主送机关
    doc.heading("一、总体情况"); doc.body("……")
    doc.signature()                             # 发文机关署名 and 成文日期, spaced per 7.3.5.2
    doc.imprint(copy_to="……")                   # 版记: 抄送, 印发机关和印发日期 between rules
    content = doc.save()

Page: A4, top margin 37 mm, left 28 mm, text block 156 × 225 mm, a document grid of 22 lines ×
28 characters (w:docGrid linesAndChars). Fonts are named on the East Asian slot (w:eastAsia),
where Word looks for Chinese, and the font table names each official font's fallback (w:altName),
so a machine without 方正小标宋简体 or 仿宋_GB2312 still prints a proper layout while the file keeps
naming the official fonts. Every piece of user text passes through core.text.export_text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from lxml import etree

from core.text import export_text

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
NUMBER_FONT = "宋体"  # page numbers: 4号 half-width 宋体
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei"}
SIZE_MARK = Pt(36)  # 发文机关标志 (at most 22 mm × 15 mm a character)
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
SIZE_TABLE = Pt(12)  # 小4号, tables
RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, LEFT, TEXT_WIDTH, TEXT_HEIGHT = Mm(37), Mm(28), Mm(156), Mm(225)
LINES, CHARS = 22, 28
# The grid: 225 mm / 22 lines = 28.95 pt a line (579 twentieths); 156 mm / 28 = 15.79 pt a
# character, i.e. 0.207 pt narrower than the 3号 default font: charSpace is that in 1/4096 pt.
LINE_PITCH_TWIPS = round(TEXT_HEIGHT.pt / LINES * 20)
CHAR_PITCH = TEXT_WIDTH.pt / CHARS
CHAR_SPACE = round((CHAR_PITCH - SIZE_3.pt) * 4096)
LINE_EXACT = Pt(28.9)
# Word fits 28 characters a line through the grid; other renderers (LibreOffice, WPS's PDF export)
# instead give a 16 pt character two 15.79 pt cells. So our own paragraphs step off the grid and
# condense 3号 text by 0.25 pt (16 - 0.25 = 15.75 pt, 28 × 15.75 = 441 pt ≤ 442.2 pt): 28 a line
# in every renderer, while the grid still lays out anything a user types into the file in Word.
BODY_CONDENSE_TWIPS = -5

_SUBHEADING_RE = re.compile(r"^（[一二三四五六七八九十]+）")
_CHINESE_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Issuer:
    """Who issues the documents: "中共昭通市纪委监委专项督导办公室" and its 发文机关代字."""

    commission: str
    office: str
    code: str

    @classmethod
    def from_settings(cls) -> Issuer:
        return cls(
            commission=settings.DUDAO_COMMISSION_NAME,
            office=settings.DUDAO_ISSUING_OFFICE,
            code=settings.DUDAO_DOCUMENT_CODE,
        )

    @property
    def name(self) -> str:
        """The full name (发文机关全称), signed under the text and named in the metadata."""
        prefix = "" if self.commission.startswith("中共") else "中共"
        return f"{prefix}{self.commission}{self.office}"


def date_cn(day: dt.date) -> str:
    """A 成文日期 in Arabic numerals, months and days not zero-padded (GB/T 9704 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


def display_width(text: str) -> float:
    """Width in full-width characters: Latin letters and digits count 0.6 (half-width in the
    official fonts, a little wider in the fallbacks)."""
    return sum(0.6 if ord(ch) < 0x2E80 else 1.0 for ch in text)


# The order of w:rPr's children (ECMA-376 17.3.2.28) from w:color on: spacing and w go before sz.
_RPR_AFTER_SPACING = (
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
)


def _rpr_set(run, tag: str, value: str) -> None:
    rpr = run._element.get_or_add_rPr()
    element = rpr.find(qn(f"w:{tag}"))
    if element is None:
        element = OxmlElement(f"w:{tag}")
        later = {
            qn(f"w:{name}")
            for name in _RPR_AFTER_SPACING[_RPR_AFTER_SPACING.index(tag) + 1 if tag in _RPR_AFTER_SPACING else 0 :]
        }
        successor = next((child for child in rpr if child.tag in later), None)
        if successor is not None:
            successor.addprevious(element)
        else:
            rpr.append(element)
    element.set(qn("w:val"), value)


def _fonts(run, east_asia: str, size, *, latin: str | None = None, bold: bool = False, color=None):
    """Name `east_asia` on every script slot (w:eastAsia for Chinese, ascii/hAnsi for digits and
    Latin): GB/T 9704 wants digits in the text's own font, not Times New Roman. 3号 text is
    condensed by a quarter point so exactly 28 characters fill the 156 mm line (15.75 pt each)."""
    run.font.size = size
    run.font.bold = bold or None
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    latin = latin or east_asia
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    if size == SIZE_3:
        _rpr_set(run, "spacing", str(BODY_CONDENSE_TWIPS))
    return run


# The order of w:pPr's children in the schema (ECMA-376 17.3.1.26): Word refuses files that break it.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()


def _ppr_child(paragraph, tag: str):
    """The pPr child `tag` of `paragraph`, created in its schema position if missing."""
    ppr = paragraph._p.get_or_add_pPr()
    element = ppr.find(qn(f"w:{tag}"))
    if element is not None:
        return element
    element = OxmlElement(f"w:{tag}")
    later = {qn(f"w:{name}") for name in _PPR_ORDER[_PPR_ORDER.index(tag) + 1 :]}
    successor = next((child for child in ppr if child.tag in later), None)
    if successor is not None:
        successor.addprevious(element)
    else:
        ppr.append(element)
    return element


def _border(paragraph, side: str, *, size_eighths: int, color: str = "000000", space: int = 1) -> None:
    borders = _ppr_child(paragraph, "pBdr")
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    # w:top, w:left, w:bottom, w:right, w:between in that order
    if side == "top" and len(borders):
        borders.insert(0, line)
    else:
        borders.append(line)


class OfficialDocument:
    def __init__(self, *, issuer: Issuer, document_date: dt.date, title: str = "", subject: str = "") -> None:
        self.issuer = issuer
        self.document_date = document_date
        self.document = Document()
        self._page_setup()
        self._register_fallbacks()
        self._properties(title=title, subject=subject)
        # python-docx's template starts with one empty paragraph: reuse it as the first line.
        self._first = self.document.paragraphs[0] if self.document.paragraphs else None

    # --- page, grid, numbers, metadata ------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.document.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.left_margin = TOP, LEFT
        section.right_margin = PAGE_WIDTH - LEFT - TEXT_WIDTH
        section.bottom_margin = PAGE_HEIGHT - TOP - TEXT_HEIGHT
        section.header_distance = Mm(15)
        section.footer_distance = Mm(22)  # the number's dash line sits about 7 mm below the text block
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
        grid.set(qn("w:charSpace"), str(CHAR_SPACE))
        self.document.settings.odd_and_even_pages_header_footer = True
        self._page_number(section.footer, odd=True)
        self._page_number(section.even_page_footer, odd=False)
        # The grid's character width is the default font size plus charSpace: both Word and
        # LibreOffice read that size from the document defaults, so they must say 3号 too.
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        size = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}") if defaults is not None else None
        if size is not None:
            size.set(qn("w:val"), str(int(SIZE_3.pt * 2)))
        normal = self.document.styles["Normal"]
        normal.font.size = SIZE_3
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(slot), BODY_FONT)
        fmt = normal.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        # Word lays Latin and Chinese out on the grid only with these two off.
        ppr = normal.element.get_or_add_pPr()
        for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
            element = OxmlElement(tag)
            element.set(qn("w:val"), "0")
            ppr.append(element)

    def _page_number(self, footer, *, odd: bool) -> None:
        """'— 1 —' in 4号 half-width 宋体, odd pages right and even pages left, one character in."""
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        _ppr_child(paragraph, "snapToGrid").set(qn("w:val"), "0")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(16)
        if odd:
            fmt.right_indent = Pt(SIZE_4.pt)
        else:
            fmt.left_indent = Pt(SIZE_4.pt)
        _fonts(paragraph.add_run("— "), NUMBER_FONT, SIZE_4)
        run = _fonts(paragraph.add_run(), NUMBER_FONT, SIZE_4)
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            elif text:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            else:
                element = OxmlElement("w:t")
                element.text = "1"
            run._element.append(element)
        _fonts(paragraph.add_run(" —"), NUMBER_FONT, SIZE_4)

    def _register_fallbacks(self) -> None:
        """Name a fallback for each official font in word/fontTable.xml (w:altName)."""
        part = next((rel.target_part for rel in self.document.part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
        if part is None:
            return
        root = etree.fromstring(part.blob)
        for name, fallback in (*FALLBACKS.items(), (NUMBER_FONT, "SimSun")):
            font = OxmlElement("w:font")
            font.set(qn("w:name"), name)
            alt = OxmlElement("w:altName")
            alt.set(qn("w:val"), fallback)
            charset = OxmlElement("w:charset")
            charset.set(qn("w:val"), "86")  # GB2312
            family = OxmlElement("w:family")
            family.set(qn("w:val"), "modern" if name == HEADING_FONT else "roman")
            font.extend([alt, charset, family])
            root.append(font)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _properties(self, *, title: str, subject: str) -> None:
        """Author and company name the commission; created/modified are the document's date."""
        props = self.document.core_properties
        moment = dt.datetime.combine(self.document_date, dt.time(9, 0))
        props.author = props.last_modified_by = self.issuer.name
        props.title = export_text(title)
        props.subject = export_text(subject)
        props.keywords = ""
        props.comments = ""
        props.category = ""
        props.created = props.modified = moment
        props.last_printed = moment
        props.revision = 1
        package = self.document.part.package
        for part in package.iter_parts():
            if str(part.partname) == "/docProps/app.xml":
                root = etree.fromstring(part.blob)
                ns = root.nsmap[None]
                for tag, value in (("Company", self.issuer.name), ("Application", "Dudao"), ("Template", "")):
                    element = root.find(f"{{{ns}}}{tag}")
                    if element is not None:
                        element.text = value
                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        # The template's thumbnail is a picture of someone else's document.
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del package.rels[rel_id]

    # --- paragraphs --------------------------------------------------------------------------

    def _new_paragraph(self):
        if self._first is not None:
            paragraph, self._first = self._first, None
            return paragraph
        return self.document.add_paragraph()

    def paragraph(
        self,
        text: str = "",
        *,
        font: str = BODY_FONT,
        size=SIZE_3,
        indent_chars: float = 2,
        align=None,
        exact: Pt | None = LINE_EXACT,
        color=None,
        bold: bool = False,
    ):
        """A paragraph of `text`, justified on both sides unless aligned otherwise (off the grid:
        see BODY_CONDENSE_TWIPS)."""
        paragraph = self._new_paragraph()
        _ppr_child(paragraph, "snapToGrid").set(qn("w:val"), "0")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt = paragraph.paragraph_format
        if exact is not None:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = exact
        fmt.space_before = fmt.space_after = Pt(0)
        if indent_chars:
            fmt.first_line_indent = Pt(CHAR_PITCH * indent_chars)
        if align is not None:
            paragraph.alignment = align
        if text:
            _fonts(paragraph.add_run(export_text(text)), font, size, color=color, bold=bold)
        return paragraph

    def blank(self, lines: int = 1) -> None:
        for _line in range(lines):
            self.paragraph(indent_chars=0)

    def masthead(self, *, number: str, mark: str | None = None) -> None:
        """版头: the red 发文机关标志 centred (scaled to fit the text block), the 发文字号 two lines
        below it, centred, and the red rule 4 mm under the number across the text block."""
        mark = mark or f"{self.issuer.name}文件"
        self.blank(1)
        paragraph = self.paragraph(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=Pt(48))
        run = _fonts(paragraph.add_run(mark), TITLE_FONT, SIZE_MARK, color=RED)
        # Horizontal scale so the mark fits 150 mm of the 156 mm block (real mastheads do the same).
        scale = min(100, int(Mm(150).pt / (len(mark) * SIZE_MARK.pt) * 100))
        if scale < 100:
            _rpr_set(run, "w", str(scale))
        self.blank(2)
        number_line = self.paragraph(export_text(number), indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER)
        _border(number_line, "bottom", size_eighths=18, color="FF0000", space=4)
        self.blank(1)

    def mark(self, text: str) -> None:
        """A red title mark without a number line (the 纪要标志 of GB/T 9704 10.3)."""
        self.blank(1)
        paragraph = self.paragraph(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=Pt(48))
        _fonts(paragraph.add_run(text), TITLE_FONT, SIZE_MARK, color=RED)

    def title(self, text: str) -> None:
        """标题: 2号 方正小标宋简体, centred, a blank line after it."""
        self.paragraph(
            text, font=TITLE_FONT, size=SIZE_2, indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=Pt(35)
        )
        self.blank(1)

    def recipients(self, text: str) -> None:
        """主送机关: flush left, ending in a full-width colon."""
        text = export_text(text).rstrip("：:")
        self.paragraph(f"{text}：", indent_chars=0)

    def heading(self, text: str) -> None:
        """Level-one headings ("一、…") in 黑体, kept on the page of the text they head."""
        self.paragraph(text, font=HEADING_FONT).paragraph_format.keep_with_next = True

    def body(self, text: str) -> None:
        """A body paragraph. A leading "（一）…。" sentence is a level-two heading in 楷体_GB2312;
        "1." and "（1）" stay in 仿宋 (GB/T 9704 7.3.3)."""
        text = export_text(text)
        match = _SUBHEADING_RE.match(text)
        if match is None:
            self.paragraph(text)
            return
        stop = text.find("。")
        head, rest = (text, "") if stop < 0 else (text[: stop + 1], text[stop + 1 :])
        paragraph = self.paragraph(head, font=SUBHEADING_FONT)
        if rest:
            _fonts(paragraph.add_run(rest), BODY_FONT, SIZE_3)

    def subheading(self, text: str) -> None:
        self.paragraph(text, font=SUBHEADING_FONT).paragraph_format.keep_with_next = True

    def labelled(self, label: str, value: str) -> None:
        """ "label：value" with the label in 黑体, for forms such as the 督办单."""
        paragraph = self.paragraph(indent_chars=2)
        _fonts(paragraph.add_run(export_text(label)), HEADING_FONT, SIZE_3)
        _fonts(paragraph.add_run(export_text(value)), BODY_FONT, SIZE_3)

    def page_break(self) -> None:
        self.paragraph(indent_chars=0).add_run().add_break(WD_BREAK.PAGE)

    def attachments_note(self, names: Sequence[str]) -> None:
        """附件说明: one blank line under the text, two characters in, "附件：1.…" with later items
        aligned under the first item's text."""
        self.blank(1)
        for index, name in enumerate(names, start=1):
            label = "附件：" if index == 1 else ""
            number = f"{index}." if len(names) > 1 else ""
            paragraph = self.paragraph(f"{label}{number}{export_text(name)}", indent_chars=0)
            paragraph.paragraph_format.left_indent = Pt(CHAR_PITCH * (2 if index == 1 else 5))

    def attachment(self, index: int | None, title: str) -> None:
        """A new page: "附件" (黑体, flush left, with its number when there are several), then the
        attachment's title centred."""
        self.page_break()
        self.paragraph(f"附件{index or ''}", font=HEADING_FONT, indent_chars=0)
        self.blank(1)
        self.paragraph(
            title, font=TITLE_FONT, size=SIZE_2, indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=Pt(35)
        )
        self.blank(1)

    def signature(self, *, name: str | None = None, document_date: dt.date | None = None) -> None:
        """发文机关署名 one blank line under the text, two characters in from the right; the 成文日期
        on the next line starting two characters right of the signature's start — unless the date
        is the longer, then the date keeps two characters from the right and the signature moves
        left (GB/T 9704 7.3.5.2). Widths count half-width digits as half a character."""
        name = export_text(name or self.issuer.name)
        date_text = date_cn(document_date or self.document_date)
        name_width, date_width = display_width(name), display_width(date_text)
        name_start = CHARS - 2 - name_width
        date_start = name_start + 2
        if date_start + date_width > CHARS - 2:
            date_start = CHARS - 2 - date_width
            name_start = date_start - 2
        self.blank(1)
        for text, start in ((name, name_start), (date_text, date_start)):
            paragraph = self.paragraph(text, indent_chars=0, align=WD_ALIGN_PARAGRAPH.LEFT)
            paragraph.paragraph_format.left_indent = Pt(CHAR_PITCH * max(start, 0))

    def imprint(self, *, copy_to: str = "", printed_by: str | None = None, printed_on: dt.date | None = None) -> None:
        """版记 after the last text: 抄送 (4号仿宋, one character in from both sides) and the 印发机关
        with the 印发日期 flush right, between a thick first rule, a thin middle one and a thick
        last one. (A frame anchored to the page foot, as the standard places it, is dropped by
        LibreOffice and WPS; the 版记 follows the text one blank line down instead.)"""
        self.blank(1)
        rows = []
        if copy_to:
            rows.append(("抄送：" + export_text(copy_to).rstrip("。") + "。", None))
        rows.append((export_text(printed_by or self.issuer.name), f"{date_cn(printed_on or self.document_date)}印发"))
        paragraphs = []
        for left, right in rows:
            paragraph = self.paragraph(left, size=SIZE_4, indent_chars=0, exact=Pt(28))
            fmt = paragraph.paragraph_format
            fmt.left_indent = fmt.right_indent = Pt(SIZE_4.pt)
            if left.startswith("抄送："):
                fmt.left_indent = Pt(SIZE_4.pt * 4)
                fmt.first_line_indent = Pt(-SIZE_4.pt * 3)  # later lines align after the colon
            if right:
                # The date flush right (one character in) on the same line: a right tab stop.
                fmt.tab_stops.add_tab_stop(TEXT_WIDTH - Pt(SIZE_4.pt), WD_TAB_ALIGNMENT.RIGHT)
                _fonts(paragraph.add_run("\t" + right), BODY_FONT, SIZE_4)
            paragraphs.append(paragraph)
        _border(paragraphs[0], "top", size_eighths=8, space=4)  # 0.35 mm
        for paragraph in paragraphs[:-1]:
            _border(paragraph, "bottom", size_eighths=6, space=4)  # 0.25 mm
        _border(paragraphs[-1], "bottom", size_eighths=8, space=4)

    # --- tables ------------------------------------------------------------------------------

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence],
        *,
        numeric: Sequence[bool] | None = None,
        on_row: Callable[[int], None] | None = None,
    ):
        """A table whose columns fit their content: short columns (names, numbers, dates) get the
        width of their longest entry, so "彝良县人民政府" never breaks; long text columns share
        what is left and wrap. Rows never split across pages and the header repeats on each page.
        Linear in rows: each row is added once and its cells read from that row alone."""
        header = [export_text(h) for h in header]
        rows = [[export_text(value) for value in row] for row in rows]
        widths = column_widths(header, rows, font_pt=SIZE_TABLE.pt)
        numeric = numeric or [all(_is_number(r[i]) for r in rows) and bool(rows) for i in range(len(header))]
        table = self.document.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tbl_pr = table._tbl.tblPr
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
        for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            grid_col.w = width
        for index, values in enumerate([header, *rows]):
            row = table.add_row()
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if index == 0:
                tr_pr.append(OxmlElement("w:tblHeader"))
            for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[column]
                paragraph = cell.paragraphs[0]
                _ppr_child(paragraph, "snapToGrid").set(qn("w:val"), "0")
                fmt = paragraph.paragraph_format
                fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                fmt.line_spacing = Pt(20)
                centred = index == 0 or numeric[column] or widths[column] < Mm(40)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
                if value:
                    _fonts(paragraph.add_run(value), HEADING_FONT if index == 0 else BODY_FONT, SIZE_TABLE)
            if index and on_row is not None:
                on_row(1)
        # A table's last row sits flush against whatever follows: one line of air.
        self._first = None
        return table

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+(\.\d+)?%?|—", text))


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], *, font_pt: float) -> list:
    """Widths (EMU) of columns that together fill the text block. Every column first gets its
    longest entry (plus cell margins), so "彝良县人民政府" or a date never breaks; if that is too
    wide, the widest columns — the free text — become the ones that wrap, one at a time, until
    the rest fit, and share what is left in proportion to their content (each at least four
    characters). A table of short columns is stretched evenly to the block's width."""
    char = Pt(font_pt)
    padding = Mm(5)  # Table Grid's left and right cell margins, 1.9 mm each, plus air
    chars = []
    for i, head in enumerate(header):
        entries = [display_width(head)] + [
            max((display_width(line) for line in row[i].split("\n")), default=0) for row in rows
        ]
        chars.append(max(max(entries), 2))
    natural = [int(c * char) + padding for c in chars]
    minimum = int(4 * char) + padding
    wrapping: set[int] = set()
    while sum(natural[i] for i in range(len(chars)) if i not in wrapping) + minimum * len(wrapping) > TEXT_WIDTH:
        candidates = [i for i in range(len(chars)) if i not in wrapping]
        if not candidates:
            break
        wrapping.add(max(candidates, key=lambda i: chars[i]))
    if not wrapping:
        total = sum(natural)
        return [Emu(int(w * TEXT_WIDTH / total)) for w in natural]
    remaining = TEXT_WIDTH - sum(natural[i] for i in range(len(chars)) if i not in wrapping)
    share = sum(chars[i] for i in wrapping)
    widths = [
        max(int(remaining * chars[i] / share), minimum) if i in wrapping else natural[i] for i in range(len(chars))
    ]
    total = sum(widths)
    if total != TEXT_WIDTH:  # rounding, or minimums that overflowed: scale to fit exactly
        widths = [int(w * TEXT_WIDTH / total) for w in widths]
    return [Emu(w) for w in widths]
