"""Filled 问题清单 files for the intake tests: the template's header and the given rows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = (
    "所属项目*",
    "问题标题",
    "问题描述*",
    "问题类别*",
    "严重程度",
    "责任单位*",
    "协办单位",
    "签收时限",
    "整改时限",
)


def row(
    project: Any = "水电硅一体化项目",
    description: Any = "企业反映用地报批材料多次被退回，未一次性告知。",
    *,
    title: Any = "",
    category: Any = "干部作风",
    severity: Any = "一般",
    lead: Any = "市自然资源和规划局",
    assisting: Any = "",
    sign: Any = "",
    rectification: Any = "",
) -> list[Any]:
    return [project, title, description, category, severity, lead, assisting, sign, rectification]


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, header: Sequence[Any] = HEADER, formulas: dict | None = None) -> bytes:
    """A workbook whose 问题清单 sheet holds `header` and `rows`; `formulas` {(row, col): "=…"}
    writes real formula cells (openpyxl turns a string starting with = into one)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "问题清单"
    sheet.append(list(header))
    for values in rows:
        sheet.append([None if value == "" else value for value in values])
    for (row_number, column), formula in (formulas or {}).items():
        sheet.cell(row=row_number, column=column, value=formula)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(rows: Sequence[Sequence[Any]] = (), *, name: str = "问题清单.xlsx", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kwargs), content_type="application/octet-stream")
