"""The Excel 问题清单 import in real Chromium, 1280 and 375 px wide: an inspector goes from the
ledger to the upload page, uploads a list with good and bad rows, reads each error in the
preview, hands off only the good rows and finds them on the ledger. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest

from accounts.models import Department
from tests.e2e.conftest import PHONE
from tests.factories import DepartmentFactory
from tests.intake.sheets import row, xlsx_bytes

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}
GOOD = [
    row(
        description="110千伏供电线路接入方案审批迟缓，影响项目进场动工。",
        title="供电线路接入审批迟缓",
        category="要素保障",
        lead="市生态环境局",
        rectification=15,
    ),
    row(
        description="林地使用审核同意书办理超时，企业多次催办无果。",
        title="林地审核办理超时",
        severity="较重",
        assisting="市林草局",
        rectification="2099-03-31",
    ),
]
BAD = {
    "未找到单位“市不存在局”": row(description="园区道路配套迟迟未落实。", lead="市不存在局"),
    "是纪检监察机构，不承担整改": row(description="项目审批窗口推诿。", lead="市纪委监委驻市发改委纪检监察组"),
    "不是您督导的项目": row(project="旗滨光伏玻璃项目", description="光伏玻璃项目用水指标未落实。"),
    "不是有效日期": row(description="矿权转让手续办理缓慢。", rectification="2026-02-30"),
    "与未办结问题": row(),  # the world's issue: same project, same description, still open
    "“问题类别”未填写（必填）": row(description="环评批复迟缓。", category=""),
}


@pytest.mark.parametrize("name,viewport", [("intake-1280", WIDE), ("intake-375", PHONE)])
def test_an_import_with_good_and_bad_rows_hands_off_only_the_good_ones(
    browser, live_server, world, tmp_path, name, viewport
):
    DepartmentFactory(name="市纪委监委驻市发改委纪检监察组", kind=Department.Kind.DISPATCHED_GROUP)
    world.hand_off()  # the open issue one row repeats
    path = tmp_path / "问题清单.xlsx"
    path.write_bytes(xlsx_bytes([*GOOD, *BAD.values()]))

    page = browser.open_as("inspector", viewport=viewport)
    page.goto(f"{live_server.url}/issues/")
    page.get_by_test_id("ledger-intake").click()
    page.wait_for_url("**/intake/new/")
    with page.expect_download() as download:
        page.get_by_test_id("intake-template").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    browser.shot(page, f"{name}-upload")

    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_selector("[data-count=rows]")
    assert page.locator("[data-count=rows]").inner_text() == "8"
    assert page.locator("[data-count=valid]").inner_text() == "2"
    assert page.locator("[data-count=errors]").inner_text() == "6"
    for number, fragment in enumerate(BAD, start=4):
        errors = page.locator(f"[data-errors='{number}'] >> visible=true")
        assert fragment in errors.inner_text(), f"row {number}: {errors.inner_text()}"
    # the wrong cell is marked: in the table on a wide screen, in the row's card on a phone
    marked = "tr[data-row='4'] td[data-column=lead_department].table-danger"
    if viewport is PHONE:
        marked = "[data-card-row='4'] dd[data-column=lead_department].text-danger"
    assert page.locator(f"{marked} >> visible=true").count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal overflow"
    browser.shot(page, f"{name}-preview")

    page.get_by_label("我确认只交办无误的 2 行，有错误的 6 行不交办").check()
    page.get_by_test_id("confirm-valid").click()
    page.wait_for_selector("#letters")
    assert page.get_by_test_id("batch-status").inner_text() == "已交办"
    assert page.locator("[data-count=handed_off]").inner_text() == "2"
    letters = page.locator("#letters [data-letter]")
    assert letters.count() == 2  # 市生态环境局 and 市自然资源和规划局
    page.goto(page.url + "?show=all")
    browser.shot(page, f"{name}-result")

    page.goto(f"{live_server.url}/issues/")
    for values in GOOD:
        # the table on a wide screen, the cards on a phone: one of them shows it
        assert page.locator(f"text={values[1]} >> visible=true").count() >= 1
    assert page.get_by_text("园区道路配套迟迟未落实").count() == 0
    browser.shot(page, f"{name}-ledger")
