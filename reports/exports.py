"""Excel exports: the monthly summary, and the issue ledger (整改台账) written row by row so
10,000 issues stay far under 200 MB. (Word documents: reports/documents/.)

Every cell goes through core.text.xlsx_cell: user text is a typed string cell — never a formula,
whatever it starts with — and free of the control characters that XML (and Excel) refuse.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, NamedTuple

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from clues.figures import CAMPAIGN_FIGURES, CAMPAIGN_KEYS
from core.text import xlsx_cell
from issues.conditions import OVERDUE
from issues.models import Issue, IssueStatus, ProgressUpdate
from reports.narrative import Bulletin

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


def _campaign_header() -> list[str]:
    """The same words as the summary page and the 通报, from their one declaration (clues.figures)."""
    return ["", *(str(label) for _key, label in CAMPAIGN_FIGURES)]


def _campaign_rows(month: dict, to_date: dict) -> list[list]:
    """本月 and 累计; a frozen month written before a figure existed leaves its cell empty."""
    return [[_("本月"), *(month.get(k) for k in CAMPAIGN_KEYS)], [_("累计"), *(to_date.get(k) for k in CAMPAIGN_KEYS)]]


# --- Excel: summary ------------------------------------------------------------------------


def _append(sheet, values: Iterable) -> None:
    sheet.append([xlsx_cell(sheet, value) for value in values])


def summary_xlsx(*, figures: dict, bulletin: Bulletin, progress: Callable[[int], None] | None = None) -> bytes:
    """The month's summary as .xlsx; `progress` is told of each table row written (export jobs)."""
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    sheet.title = _("概况")
    core = figures["core"]
    _append(
        sheet,
        [_("%(scope)s%(month)s督导调度汇总") % {"scope": figures["scope"]["label"], "month": figures["month_label"]}],
    )
    sheet["A1"].font = Font(bold=True, size=14)
    _append(
        sheet, [_("数据状态"), _("实时（截至%(day)s）") % {"day": figures["as_of"]} if figures["live"] else _("已冻结")]
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
        _append(sheet, [label, core[key]])
    _append(sheet, [_("整改率（%）"), core["rectification_rate"]])
    _append(sheet, [_("按期整改率（%）"), core["on_time_rate"]])
    _append(sheet, [_("通报"), bulletin.text])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100

    def table(title: str, header: list[str], rows: Iterable[Iterable]) -> None:
        ws = workbook.create_sheet(title)
        _append(ws, header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            _append(ws, row)
            if progress is not None:
                progress(1)

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


LEDGER_CHUNK = 2000
_LEDGER_VALUES = (
    "pk",
    "title",
    "description",
    "project__short_name",
    "project__name",
    "lead_department__short_name",
    "lead_department__name",
    "handed_off_at",
    "rectification_deadline",
    "latest_progress",
    "status",
    "closed_at",
)


def ledger_rows(issues: QuerySet[Issue], *, today: dt.date) -> Iterator[list]:
    """One row per issue in the ledger's column order. The latest progress text comes from a
    correlated subquery and assisting departments from one query per chunk of 2,000 rows, so the
    query count grows with rows/2000, never per row, and rows are never all held in memory.

    Rows are read as plain values (no model instances, related managers or per-row translation
    lookups): a 200,000-row export spends its time writing cells, not building objects."""
    latest = ProgressUpdate.objects.filter(issue=OuterRef("pk")).order_by("-created_at", "-pk").values("text")[:1]
    rows = issues.annotate(latest_progress=Subquery(latest)).values_list(*_LEDGER_VALUES)
    status_label = {value: str(label) for value, label in IssueStatus.choices}
    yes, no = str(_("是")), str(_("否"))
    closed = IssueStatus.CLOSED
    zone = timezone.get_current_timezone()
    link = Issue.assisting_departments.through.objects
    index = 0
    for chunk in _chunks(rows.iterator(chunk_size=LEDGER_CHUNK), LEDGER_CHUNK):
        assisting: dict[int, list[str]] = {}
        for issue_id, short_name, name in (
            link.filter(issue_id__in=[row[0] for row in chunk])
            .order_by("department__kind", "department__name")
            .values_list("issue_id", "department__short_name", "department__name")
        ):
            assisting.setdefault(issue_id, []).append(short_name or name)
        for (
            pk,
            title,
            text,
            project_short,
            project,
            dept_short,
            dept,
            handed_off_at,
            deadline,
            progress,
            status,
            closed_at,
        ) in chunk:
            index += 1
            yield [
                index,
                f"{title}：{text}",
                project_short or project,
                dept_short or dept,
                "、".join(assisting.get(pk, ())),
                handed_off_at.astimezone(zone).strftime("%Y-%m-%d"),
                deadline.strftime("%Y-%m-%d"),
                progress or "",
                status_label.get(status, status),
                yes if OVERDUE.holds(_Overdue(status, deadline), today=today) else no,
                closed_at.astimezone(zone).strftime("%Y-%m-%d") if status == closed and closed_at else "",
            ]


class _Overdue(NamedTuple):
    """What issues.conditions.OVERDUE reads of an issue, without the model instance."""

    status: str
    rectification_deadline: dt.date


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ledger_xlsx_file(issues: QuerySet[Issue], *, title: str) -> tempfile.SpooledTemporaryFile:
    """The ledger as .xlsx in a temporary file (ledger_xlsx_write); the caller streams the file."""
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    ledger_xlsx_write(issues, title=title, output=output)
    output.seek(0)
    return output


def ledger_xlsx_write(
    issues: QuerySet[Issue], *, title: str, output: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    """The ledger as .xlsx into `output`, in openpyxl's write-only mode: rows go straight to a
    temporary file as they are read (a server-side cursor, 2,000 rows a fetch), so memory stays
    flat whatever the row count. `progress` is told of each row (export jobs' progress bar)."""
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("整改台账"))
    for column, width in zip("ABCDEFGHIJK", (6, 60, 24, 20, 24, 12, 12, 40, 10, 8, 12), strict=True):
        sheet.column_dimensions[column].width = width

    def header_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        return cell

    sheet.append([header_cell(title)])
    sheet.append([header_cell(str(name)) for name in LEDGER_COLUMNS])
    for row in ledger_rows(issues, today=timezone.localdate()):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        if progress is not None:
            progress(1)
    workbook.save(output)
