"""The official documents (通报, 会议纪要, 问题交办函 with 签收回执, 督办单) open with python-docx and
follow GB/T 9704-2012: page and margins, the 22 × 28 grid, fonts and sizes, 版头 and 版记, a
发文字号 that never repeats and stays with its document, odd/even page numbers, tables whose rows
do not split and whose columns fit. Rendered with LibreOffice where it is installed."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from dispatch.models import DispatchMeeting
from issues.models import Issue
from reports.documents.layout import CHAR_PITCH, Issuer, OfficialDocument, column_widths, display_width
from reports.models import DocumentNumber
from tests.exporting import follow_export_offer
from tests.reports.conftest import SEPTEMBER

pytestmark = pytest.mark.django_db
NUMBER_RE = re.compile(r"^昭纪督[通纪函督]〔\d{4}〕[1-9]\d*号$")


def _get(client, url: str, query: dict | None = None) -> bytes:
    response = client.get(url, query or {})
    assert response.status_code == 200, response.content[:300]
    return response.content


@pytest.fixture
def documents(client, september) -> dict[str, bytes]:
    """Every kind of document, exported through its download view by a leader."""
    w = september.world
    meeting = DispatchMeeting.objects.get(title="水电硅项目9月调度会")
    meeting.status = DispatchMeeting.Status.HELD
    meeting.minutes = "会议听取了水电硅项目用地报批推进情况汇报。"
    meeting.focus_next_month = "重点督导林地报批和矿权转让手续。"
    meeting.save()
    meeting.attendees.set([w.inspector, w.lead_liaison])
    meeting.present.set([w.inspector])
    overdue = september.issues["A6"]
    client.force_login(w.leader)
    return {
        "bulletin": follow_export_offer(client, reverse("reports:summary_docx", kwargs={"month": SEPTEMBER})),
        "minutes": _get(client, reverse("reports:meeting_minutes_docx", kwargs={"pk": meeting.pk})),
        "letter": _get(client, reverse("reports:issue_letter_docx", kwargs={"pk": september.issues["A7"].pk})),
        "letters": _get(client, reverse("reports:issue_letters"), {"lead_department": w.lead_department.pk}),
        "supervision": _get(client, reverse("reports:issue_supervision_docx", kwargs={"pk": overdue.pk})),
    }


def _mm(length) -> int:
    return round(length / 36000)


def _east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def _number_paragraph(document):
    return next(p for p in document.paragraphs if NUMBER_RE.match(p.text))


def test_every_document_follows_gbt_9704(documents):
    for name, content in documents.items():
        document = Document(io.BytesIO(content))
        section = document.sections[0]
        # A4; top 37 mm, left 28 mm; the text block 156 × 225 mm.
        assert [_mm(section.page_width), _mm(section.page_height)] == [210, 297], name
        assert [_mm(section.top_margin), _mm(section.left_margin)] == [37, 28], name
        assert _mm(section.page_width - section.left_margin - section.right_margin) == 156, name
        assert _mm(section.page_height - section.top_margin - section.bottom_margin) == 225, name
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "linesAndChars", name
        # 22 lines in 225 mm; 28 characters in 156 mm (3号 = 16 pt plus charSpace/4096 pt).
        assert round(225 / 25.4 * 72 / (int(grid.get(qn("w:linePitch"))) / 20)) == 22, name
        assert round(156 / 25.4 * 72 / (16 + int(grid.get(qn("w:charSpace"))) / 4096)) == 28, name

        # 版头: the red 发文机关标志 (or 纪要标志), the 发文字号, the red rule under it.
        paragraphs = document.paragraphs
        mark = next(p for p in paragraphs if p.text.endswith(("文件", "纪要")) and p.runs)
        assert mark.runs[0].font.color.rgb == (0xFF, 0x00, 0x00), name
        assert _east_asia(mark.runs[0]) == "方正小标宋简体", name
        assert mark.text.startswith("中共昭通市纪委监委专项督导办公室") or mark.text == "专项督导调度会议纪要", name
        number = _number_paragraph(document)
        rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
        assert rule.get(qn("w:color")) == "FF0000", name

        # Title: 2号 方正小标宋简体, centred, after the number.
        title = paragraphs[paragraphs.index(next(p for p in paragraphs if p._p is number._p)) + 2]
        assert title.runs[0].font.size == Pt(22) and _east_asia(title.runs[0]) == "方正小标宋简体", name
        assert title.alignment == 1, name  # centre

        # Body: 3号 仿宋_GB2312, exact ≈28.9 pt lines, first line indented two characters.
        body = next(p for p in paragraphs if p.paragraph_format.first_line_indent and p.runs)
        assert _east_asia(body.runs[0]) in ("仿宋_GB2312", "黑体", "楷体_GB2312"), name
        assert body.runs[0].font.size == Pt(16), name
        assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY, name
        assert abs(body.paragraph_format.line_spacing.pt - 28.9) < 0.1, name
        assert abs(body.paragraph_format.first_line_indent.pt - 2 * CHAR_PITCH) < 0.5, name
        headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]、", p.text)]
        assert all(_east_asia(p.runs[0]) == "黑体" for p in headings), name
        assert all(p.paragraph_format.keep_with_next for p in headings), name  # never alone at a page foot

        # 版记: 抄送 or the 印发 line, between rules, in 4号.
        printed = next(p for p in paragraphs if p.text.endswith("印发"))
        assert re.search(r"\t\d{4}年\d{1,2}月\d{1,2}日印发$", printed.text), name
        assert printed.runs[0].font.size == Pt(14), name
        assert printed._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")) is not None, name

        # Page numbers: "— n —" in 4号 宋体, odd pages right, even pages left.
        assert document.settings.odd_and_even_pages_header_footer, name
        odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
        assert odd.alignment == 2 and even.alignment == 0, name  # right, left
        for footer in (odd, even):
            assert footer.text.startswith("— ") and footer.text.endswith(" —"), name
            assert "PAGE" in footer._p.xml, name
            assert {_east_asia(run) for run in footer.runs} == {"宋体"}, name
            assert {run.font.size for run in footer.runs} == {Pt(14)}, name

        # Tables: rows never split, the header row repeats, widths fill the text block.
        for table in document.tables:
            rows = table._tbl.tr_lst
            assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows), name
            assert rows[0].trPr.find(qn("w:tblHeader")) is not None, name
            assert abs(sum(col.w for col in table._tbl.tblGrid.gridCol_lst) / 36000 - 156) < 1, name

        # Metadata names the commission and the document's date, not python-docx in 2013.
        props = document.core_properties
        assert props.author == "中共昭通市纪委监委专项督导办公室" and props.created.year >= 2026, name
        app = zipfile.ZipFile(io.BytesIO(content)).read("docProps/app.xml").decode()
        assert "<Company>中共昭通市纪委监委专项督导办公室</Company>" in app, name
        # Official fonts named with their fallbacks for machines that lack them.
        fonts = zipfile.ZipFile(io.BytesIO(content)).read("word/fontTable.xml").decode()
        assert 'w:name="方正小标宋简体"' in fonts or "方正小标宋简体" in fonts, name
        assert 'w:altName w:val="仿宋"' in fonts and 'w:altName w:val="宋体"' in fonts, name


def test_bulletin_is_dated_the_freeze_day_and_signed(client, september, documents):
    from dispatch.models import MonthlySummary

    document = Document(io.BytesIO(documents["bulletin"]))
    frozen = MonthlySummary.objects.get(month=SEPTEMBER.first_day, scope_key="all")
    day = timezone.localdate(frozen.frozen_at)
    texts = [p.text for p in document.paragraphs]
    date_text = f"{day.year}年{day.month}月{day.day}日"
    signature = texts.index("中共昭通市纪委监委专项督导办公室")
    assert texts[signature + 1] == date_text
    # 7.3.5.2: the date starts two characters right of the signature, which ends two from the right.
    name_p, date_p = document.paragraphs[signature], document.paragraphs[signature + 1]
    name_start = name_p.paragraph_format.left_indent.pt / CHAR_PITCH
    date_start = date_p.paragraph_format.left_indent.pt / CHAR_PITCH
    assert abs(date_start - name_start - 2) < 0.01
    assert abs(name_start + display_width("中共昭通市纪委监委专项督导办公室") - 26) < 0.01
    assert any(t.startswith("各县（市、区）纪委监委") and t.endswith("：") for t in texts)  # 主送机关
    assert any(t.startswith("附件：1.") for t in texts)


def test_document_numbers_never_repeat_and_stay_with_their_document(client, september, documents):
    first = _number_paragraph(Document(io.BytesIO(documents["letter"]))).text
    w = september.world
    again = _get(client, reverse("reports:issue_letter_docx", kwargs={"pk": september.issues["A7"].pk}))
    assert _number_paragraph(Document(io.BytesIO(again))).text == first  # the same letter, the same number
    other = _get(client, reverse("reports:issue_letter_docx", kwargs={"pk": september.issues["A10"].pk}))
    second = _number_paragraph(Document(io.BytesIO(other))).text
    assert second != first and first[:-1].split("〕")[0] == second[:-1].split("〕")[0]
    numbers = list(DocumentNumber.objects.values_list("kind", "year", "number"))
    assert len(numbers) == len(set(numbers))
    # the batch for one department is one letter (.docx); several departments give a .zip of letters
    assert documents["letters"][:2] == b"PK" and b"word/document.xml" in documents["letters"]
    both = _get(client, reverse("reports:issue_letters"))
    with zipfile.ZipFile(io.BytesIO(both)) as archive:
        names = archive.namelist()
    assert len(names) == 2 and all(name.endswith(".docx") for name in names)
    assert any(w.lead_department.name in name for name in names)


def test_letter_carries_a_tear_off_receipt(documents):
    document = Document(io.BytesIO(documents["letter"]))
    texts = [p.text for p in document.paragraphs]
    receipt = texts.index("签收回执")
    assert texts[receipt - 2].startswith("（沿此线剪下）")
    breaks = [p for p in document.paragraphs[:receipt] if 'w:type="page"' in p._p.xml]
    assert breaks  # the receipt starts on its own page
    form = document.tables[-1]
    assert [row.cells[0].text for row in form.rows][:4] == ["项目", "交办函文号", "交办问题", "签收单位"]


def test_supervision_only_for_overdue_issues_and_not_for_liaisons(client, september):
    w = september.world
    client.force_login(w.leader)
    not_overdue = september.issues["A10"]  # awaiting verification: the department owes nothing
    assert client.get(reverse("reports:issue_supervision_docx", kwargs={"pk": not_overdue.pk})).status_code == 404
    client.force_login(w.other_liaison)
    url = reverse("reports:issue_supervision_docx", kwargs={"pk": september.issues["A6"].pk})
    assert client.get(url).status_code == 403


def test_columns_fit_their_content_and_names_do_not_break():
    header = ["责任单位", "新交办", "按期整改率"]
    rows = [["彝良县人民政府", "3", "50%"], ["市自然资源和规划局", "12", "100%"]]
    widths = column_widths(header, rows, font_pt=12)
    # the name column holds its longest name (9 characters of 12 pt) on one line, with cell margins
    assert widths[0].pt >= 9 * 12 + 2 * 5.4
    long_text = [["DD-1", "林地报批材料多次被退回，未一次性告知需补充的全部材料，企业往返三次。" * 3, "市林草局"]]
    widths = column_widths(["编号", "问题", "责任单位"], long_text, font_pt=12)
    assert abs(sum(w.mm for w in widths) - 156) < 0.5 and widths[1] > widths[0] + widths[2]
    assert widths[2].pt >= 4 * 12 + 2 * 5.4


def test_table_building_never_rereads_the_table_per_row(monkeypatch):
    """Linear in its rows by construction: before, each row re-read python-docx's `table.rows`,
    which lists every row built so far (4 million row objects for 2,110 rows). Counted, not
    timed: the whole-table row list is read as often for 200 rows as for 20 (times live in bench/)."""
    from docx.oxml.table import CT_Tbl

    reads = {"count": 0}
    all_rows = CT_Tbl.tr_lst

    def counted(tbl):
        reads["count"] += 1
        return all_rows.fget(tbl)

    monkeypatch.setattr(CT_Tbl, "tr_lst", property(counted))

    def build(rows: int) -> int:
        reads["count"] = 0
        doc = OfficialDocument(issuer=Issuer.from_settings(), document_date=timezone.localdate())
        doc.table(["编号", "问题", "责任单位"], [[f"T{i}", "问题描述", "市林草局"] for i in range(rows)])
        [table] = doc.document.tables
        assert len(table._tbl.xpath("./w:tr")) == rows + 1  # the header and every row, once
        return reads["count"]

    assert build(200) == build(20)


def _soffice() -> str | None:
    return shutil.which("soffice") or (os.path.exists("/usr/bin/soffice") and "/usr/bin/soffice") or None


@pytest.mark.skipif(
    _soffice() is None and not os.environ.get("DUDAO_REQUIRE_SOFFICE"),
    reason="LibreOffice (soffice) not installed: Debian's 'libreoffice-writer-nogui' renders the documents",
)
def test_documents_render_to_pdf_with_libreoffice(documents, tmp_path):
    """Each document converts to an A4 PDF whose first page holds the 发文机关标志 and the number."""
    assert _soffice(), "DUDAO_REQUIRE_SOFFICE is set but soffice is missing"
    for name, content in documents.items():
        (tmp_path / f"{name}.docx").write_bytes(content)
    profile = tmp_path / "profile"
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *[str(tmp_path / f"{name}.docx") for name in documents],
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in documents:
        pdf = tmp_path / f"{name}.pdf"
        assert pdf.exists(), name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "595" in info and "841" in info, name  # A4 in points
        text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
        assert re.search(r"〔\d{4}〕\s*\d+\s*号", text), name
        target = os.environ.get("DUDAO_DOCUMENT_PREVIEWS")
        if target:  # pdftoppm page 1 to PNG for a person to look at
            subprocess.run(
                ["pdftoppm", "-r", "70", "-f", "1", "-l", "1", "-png", str(pdf), f"{target}/{name}"], check=True
            )


def test_overdue_issue_page_offers_the_supervision_form(client, september):
    client.force_login(september.world.leader)
    page = client.get(reverse("issues:detail", kwargs={"pk": september.issues["A6"].pk})).content.decode()
    assert reverse("reports:issue_supervision_docx", kwargs={"pk": september.issues["A6"].pk}) in page
    assert reverse("reports:issue_letter_docx", kwargs={"pk": september.issues["A6"].pk}) in page
    fresh = client.get(reverse("issues:detail", kwargs={"pk": september.issues["A10"].pk})).content.decode()
    assert "supervision.docx" not in fresh
    assert Issue.objects.filter(pk=september.issues["A6"].pk).exists()
