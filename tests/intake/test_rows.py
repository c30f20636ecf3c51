"""Reading and checking a 问题清单: each error named in Chinese with its row and column."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from accounts.models import Department
from intake.sheet import SheetError, TemplateLists, read_rows, template_xlsx
from intake.validation import Lookups, check_row, mark_duplicates
from tests.factories import DepartmentFactory
from tests.intake.sheets import HEADER, row, upload, xlsx_bytes


def _checked(world, *rows, user=None):
    lookups = Lookups.for_user(user or world.inspector)
    checked = [check_row(sheet_row, lookups) for sheet_row in read_rows(upload(rows))]
    mark_duplicates(checked, seen={})
    return checked


def _messages(checked) -> list[str]:
    return [error["message"] for error in checked.errors]


def test_a_good_row_resolves_to_what_the_hand_off_takes(world):
    [checked] = _checked(world, row(assisting="市林草局", severity="较重", sign=3, rectification="2099-06-30"))
    assert checked.is_valid, checked.errors
    resolved = checked.resolved
    assert resolved["project_id"] == world.project.pk
    assert resolved["lead_department_id"] == world.lead_department.pk
    assert resolved["assisting_department_ids"] == [world.assisting_department.pk]
    assert resolved["category"] == "work_style" and resolved["severity"] == "serious"
    assert resolved["deadlines"] == {"sign_deadline": {"days": 3}, "rectification_deadline": {"date": "2099-06-30"}}
    assert resolved["title"] == "企业反映用地报批材料多次被退回，未一次性告知"


@pytest.mark.parametrize(
    "values,column,fragment",
    [
        (row(lead="市不存在局"), "lead_department", "未找到单位“市不存在局”"),
        (row(project="旗滨光伏玻璃项目"), "project", "不是您督导的项目"),
        (row(project="没有这个项目"), "project", "不是您督导的项目"),
        (row(rectification="2026-13-45"), "rectification_deadline", "不是有效日期"),
        (row(rectification="下个月"), "rectification_deadline", "既不是工作日数也不是日期"),
        (row(rectification="2020-01-01"), "rectification_deadline", "不在今天之后"),
        (row(sign=dt.datetime(2020, 1, 1)), "sign_deadline", "早于今天"),
        (row(rectification=0), "rectification_deadline", "工作日数须在1至250之间"),
        (row(description=""), "description", "“问题描述”未填写（必填）"),
        (row(category=""), "category", "“问题类别”未填写（必填）"),
        (row(category="作风问题"), "category", "问题类别“作风问题”无效"),
        (row(severity="特别严重"), "severity", "严重程度“特别严重”无效"),
        (row(description="很长" * 1001), "description", "“问题描述”过长（2002字），不能超过2000字"),
        (row(description="审批_x000B_拖延"), "description", "含有不可见的控制字符（第3个字符，编码U+000B）"),
        (row(assisting="市自然资源和规划局"), "assisting_departments", "已是责任单位"),
        (row(sign=30, rectification=5), "sign_deadline", "签收时限不能晚于整改时限"),
    ],
)
def test_each_error_is_named_with_its_column(world, values, column, fragment):
    [checked] = _checked(world, values)
    assert not checked.is_valid
    assert any(error["column"] == column and fragment in error["message"] for error in checked.errors), checked.errors


def test_the_rectification_deadline_must_lie_after_today(world):
    today = timezone.localdate()
    [checked] = _checked(world, row(rectification=today, sign=today))
    assert any("不在今天之后" in message for message in _messages(checked))


def test_a_discipline_body_is_refused_as_responsible_unit(world):
    DepartmentFactory(name="市纪委监委驻市发改委纪检监察组", kind=Department.Kind.DISPATCHED_GROUP)
    DepartmentFactory(name="昭阳区纪委监委", kind=Department.Kind.COUNTY_COMMISSION)
    DepartmentFactory(name="市交通运输局", is_active=False)
    first, second, third = _checked(
        world,
        row(lead="市纪委监委驻市发改委纪检监察组"),
        row(description="协办单位是纪委", assisting="昭阳区纪委监委"),
        row(description="停用单位", lead="市交通运输局"),
    )
    assert any("是纪检监察机构，不承担整改" in message for message in _messages(first))
    assert any(
        error["column"] == "assisting_departments" and "纪检监察机构" in error["message"] for error in second.errors
    )
    assert any("已停用" in message for message in _messages(third))


def test_duplicates_of_an_open_issue_and_of_an_earlier_row_are_named(world):
    issue = world.hand_off(description="企业反映用地报批材料多次被退回，未一次性告知。")
    first, second, third = _checked(
        world, row(), row(description="供电线路接入迟缓。"), row(description="供电线路接入迟缓。")
    )
    assert any(f"与未办结问题 {issue.code} 重复" in message for message in _messages(first))
    assert second.is_valid
    assert _messages(third) == ["与本表第3行重复（同一项目、问题描述相同）"]


def test_a_closed_issue_with_the_same_text_is_no_duplicate(world):
    from issues.models import Issue

    issue = world.hand_off()
    Issue.objects.filter(pk=issue.pk).update(status="withdrawn", withdrawn_at=timezone.now())
    [checked] = _checked(world, row())
    assert checked.is_valid, checked.errors


def test_a_formula_cell_is_reported_and_never_evaluated(world):
    content = xlsx_bytes([row(description="占位")], formulas={(2, 3): '=HYPERLINK("http://evil","点我")'})
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = list(read_rows(SimpleUploadedFile("f.xlsx", content)))
    [checked] = [check_row(sheet_row, Lookups.for_user(world.inspector)) for sheet_row in rows]
    assert _messages(checked) == ["“问题描述”是公式，请改为直接填写文字或数值"]


def test_content_beyond_the_template_columns_makes_the_row_too_long(world):
    [checked] = _checked(world, [*row(), "", "多余的一列"])
    assert "模板列之外还有内容，整行过长，请删除多余的列" in _messages(checked)


def test_empty_lines_are_skipped_and_row_numbers_are_excels(world):
    rows = list(read_rows(upload([row(), ["", "", "", "", "", "", "", "", ""], row(description="另一个问题")])))
    assert [sheet_row.number for sheet_row in rows] == [2, 4]


def test_a_header_that_is_not_the_templates_is_refused(world):
    with pytest.raises(SheetError, match="缺少“问题描述”“责任单位”列"):
        list(read_rows(upload([row()], header=("所属项目", "标题", "描述", "问题类别"))))


def test_more_rows_than_allowed_are_refused_while_streaming(world):
    with pytest.raises(SheetError, match="超过3行"):
        list(read_rows(upload([row(description=f"问题{n}") for n in range(5)]), max_rows=3))


def test_a_zip_bomb_is_refused_before_openpyxl_reads_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "a" * 50_000_000)
    buffer.seek(0)
    with pytest.raises(SheetError, match="压缩炸弹"):
        list(read_rows(buffer))


def test_the_template_has_dropdowns_an_instruction_sheet_and_the_header(world):
    from openpyxl import load_workbook

    content = template_xlsx(
        lists=TemplateLists(
            projects=["水电硅一体化项目", "=1+1"],
            departments=["市自然资源和规划局"],
            categories=["干部作风", "营商环境"],
            severities=["一般", "较重", "严重"],
        ),
        today=dt.date(2026, 12, 1),
    )
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["问题清单", "名录", "填写说明"]
    data = workbook["问题清单"]
    assert tuple(cell.value for cell in data[1]) == HEADER
    ranges = {str(validation.sqref): validation.formula1 for validation in data.data_validations.dataValidation}
    assert ranges["D2:D1000"] == "'名录'!$B$2:$B$3"  # 问题类别
    assert ranges["E2:E1000"] == "'名录'!$C$2:$C$4"  # 严重程度
    assert workbook["名录"]["A3"].data_type == "s"  # a project named like a formula stays text
    assert "从确认交办当天起算" in " ".join(str(cell.value) for cell in workbook["填写说明"]["B"])
    # the template read back is a 问题清单 without rows
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert list(read_rows(SimpleUploadedFile("t.xlsx", content))) == []
