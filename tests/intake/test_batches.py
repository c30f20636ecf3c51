"""Upload, confirmation (all or nothing, once), abandonment and the pages of an import batch."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from intake import services
from intake.errors import IntakeInvalid, IntakeNotAllowed, IntakePermissionDenied, IntakeRowRefused
from intake.models import BatchStatus, ImportBatch, ImportBatchEvent, ImportRow
from issues.models import Issue, IssueEvent
from notifications.models import Notification
from reports.models import DocumentNumber, ExportJob
from tests.exporting import follow_export_offer
from tests.intake.sheets import row, upload

GOOD = [
    row(assisting="市林草局"),
    row(description="110千伏供电线路接入方案审批迟缓。", category="要素保障", lead="市生态环境局", rectification=10),
    row(description="林地使用审核同意书办理超时。", severity="较重", rectification="2099-03-31"),
]
BAD = [row(description="对企业诉求推诿扯皮。", lead="市不存在局"), row(description="", category="")]


def _upload(world, rows, actor=None):
    return services.import_batch_upload(actor=actor or world.inspector, upload=upload(rows))


def test_upload_keeps_the_file_and_every_row_with_its_errors_and_hands_off_nothing(world):
    batch = _upload(world, [*GOOD, *BAD])
    assert (batch.row_count, batch.valid_count, batch.error_count) == (5, 3, 2)
    assert batch.status == BatchStatus.PREVIEWED
    assert batch.file.name.startswith("intake/") and batch.file.size == batch.size
    assert list(batch.rows.values_list("number", "is_valid")) == [
        (2, True),
        (3, True),
        (4, True),
        (5, False),
        (6, False),
    ]
    assert not Issue.objects.exists()
    assert batch.events.get().action == ImportBatchEvent.Action.UPLOAD


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: upload([], name="清单.xls"), "请上传 Excel（.xlsx）格式"),
        (lambda: upload([]), "文件中没有填写任何问题"),
        (lambda: upload([row()], header=("项目", "描述")), "表头不是问题清单模板的表头"),
    ],
)
def test_a_file_that_is_not_a_filled_list_is_refused_whole_and_nothing_is_kept(world, make, message):
    with pytest.raises(IntakeInvalid, match=message):
        services.import_batch_upload(actor=world.inspector, upload=make())
    assert not ImportBatch.objects.exists() and not ImportRow.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.DUDAO_INTAKE_MAX_BYTES = 1000
    with pytest.raises(IntakeInvalid, match="文件过大"):
        _upload(world, GOOD)


def test_a_renamed_file_is_refused_by_its_bytes(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("清单.xlsx", b"%PDF-1.4 not a workbook" * 10)
    with pytest.raises(IntakeInvalid, match="内容与扩展名不符"):
        services.import_batch_upload(actor=world.inspector, upload=fake)


def test_confirming_hands_off_every_row_with_its_event_notification_and_one_letter_per_department(world):
    batch = _upload(world, GOOD)
    services.import_batch_confirm(batch=batch, actor=world.inspector)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.HANDED_OFF and batch.handed_off_count == 3
    issues = Issue.objects.filter(import_row__batch=batch).order_by("import_row__number")
    assert [issue.lead_department for issue in issues] == [
        world.lead_department,
        world.other_department,
        world.lead_department,
    ]
    assert list(issues[0].assisting_departments.all()) == [world.assisting_department]
    assert issues[2].severity == "serious" and str(issues[2].rectification_deadline) == "2099-03-31"
    assert IssueEvent.objects.filter(issue__in=issues, action="hand_off").count() == 3
    assert Notification.objects.filter(recipient=world.lead_liaison, target_id__in=issues).count() == 2
    assert Notification.objects.filter(recipient=world.other_liaison, target_id__in=issues).count() == 1
    letters = {letter.department: letter for letter in batch.letters.select_related("number")}
    assert {department: letter.issue_count for department, letter in letters.items()} == {
        world.lead_department: 2,
        world.other_department: 1,
    }
    assert DocumentNumber.objects.filter(kind="handoff_letter").count() == 2


def test_a_file_with_errors_is_not_handed_off_unless_he_chooses_only_the_valid_rows(world):
    batch = _upload(world, [*GOOD, *BAD])
    with pytest.raises(IntakeInvalid, match="有2行错误，不能整体交办"):
        services.import_batch_confirm(batch=batch, actor=world.inspector)
    assert not Issue.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.PREVIEWED
    services.import_batch_confirm(batch=batch, actor=world.inspector, only_valid=True)
    assert Issue.objects.count() == 3
    assert ImportRow.objects.filter(batch=batch, is_valid=False, issue__isnull=False).count() == 0


def test_one_row_refused_at_confirmation_hands_off_nothing(world):
    """All or nothing: the third row's department was deactivated after the preview (the view
    re-checks first; the service checks again inside the transaction)."""
    batch = _upload(world, [*GOOD, row(description="最后一行。", lead="市生态环境局")])
    world.other_department.is_active = False
    world.other_department.save()
    with pytest.raises(IntakeRowRefused, match="第3行：.*已停用"):
        services.import_batch_confirm(batch=batch, actor=world.inspector)
    assert not Issue.objects.exists() and not IssueEvent.objects.exists() and not Notification.objects.exists()
    assert not DocumentNumber.objects.exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.handed_off_count == 0


def test_a_second_confirmation_hands_nothing_off_again(world):
    batch = _upload(world, GOOD)
    services.import_batch_confirm(batch=batch, actor=world.inspector)
    stale = ImportBatch.objects.get(pk=batch.pk)
    stale.status = BatchStatus.PREVIEWED  # the page read before the first confirmation
    with pytest.raises(IntakeNotAllowed, match="确认交办（3件），不会重复交办"):
        services.import_batch_confirm(batch=stale, actor=world.inspector)
    assert Issue.objects.count() == 3
    assert ImportBatchEvent.objects.filter(batch=batch, action="hand_off").count() == 1


def test_the_confirm_page_posted_twice_hands_off_once(client, world):
    batch = _upload(world, GOOD)
    client.force_login(world.inspector)
    url = reverse("intake:confirm", args=[batch.pk])
    first = client.post(url, follow=True)
    second = client.post(url, follow=True)
    assert "已交办3件问题" in first.content.decode()
    assert "不会重复交办" in second.content.decode()
    assert Issue.objects.count() == 3


def test_revalidation_finds_the_same_problem_handed_off_since_the_preview(client, world):
    batch = _upload(world, GOOD)
    world.hand_off(description="林地使用审核同意书办理超时。")
    client.force_login(world.inspector)
    response = client.post(reverse("intake:confirm", args=[batch.pk]), follow=True)
    assert "自预览以来有1行情况发生变化" in response.content.decode()
    batch.refresh_from_db()
    assert (batch.valid_count, batch.error_count, batch.status) == (2, 1, BatchStatus.PREVIEWED)
    assert Issue.objects.count() == 1
    assert "重复" in ImportRow.objects.get(batch=batch, number=4).errors[0]["message"]


def test_abandoning_keeps_the_file_and_rows_and_cannot_be_confirmed_after(world):
    batch = _upload(world, GOOD)
    services.import_batch_abandon(batch=batch, actor=world.inspector)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ABANDONED and batch.abandoned_at and batch.rows.count() == 3
    with pytest.raises(IntakeNotAllowed):
        services.import_batch_confirm(batch=ImportBatch.objects.get(pk=batch.pk), actor=world.inspector)


@pytest.mark.parametrize("who", ["lead_liaison", "leader", "admin"])
def test_only_inspectors_import(world, who):
    with pytest.raises(IntakePermissionDenied):
        services.import_batch_upload(actor=getattr(world, who), upload=upload(GOOD))


def test_another_inspector_cannot_confirm_a_batch_that_is_not_his(world):
    batch = _upload(world, GOOD)
    with pytest.raises(IntakePermissionDenied):
        services.import_batch_confirm(batch=batch, actor=world.group_lead)
    assert not Issue.objects.exists()


def test_a_special_inspector_imports_for_his_authorized_project(world):
    batch = _upload(world, GOOD[:1], actor=world.authorized_inspector)
    assert batch.valid_count == 1


# --- pages -------------------------------------------------------------------------------------


def test_the_preview_names_each_error_and_highlights_its_cell(client, world):
    batch = _upload(world, [*GOOD, *BAD])
    client.force_login(world.inspector)
    page = client.get(reverse("intake:detail", args=[batch.pk]) + "?show=all").content.decode()
    assert "未找到单位“市不存在局”" in page
    assert "“问题描述”未填写（必填）" in page and "“问题类别”未填写（必填）" in page
    assert 'data-column="lead_department" class="table-danger" aria-invalid="true"' in page
    assert "我确认只交办无误的 3 行，有错误的 2 行不交办" in page


def test_the_preview_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    small = _upload(world, GOOD[:1])
    large = _upload(world, [row(description=f"问题{n}。") for n in range(60)])
    client.force_login(world.inspector)
    client.get(reverse("intake:detail", args=[small.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("intake:detail", args=[small.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("intake:detail", args=[large.pk]))


def test_the_result_links_each_issue_and_the_letter_of_each_department(client, world):
    batch = _upload(world, GOOD)
    services.import_batch_confirm(batch=batch, actor=world.inspector)
    client.force_login(world.inspector)
    page = client.get(reverse("intake:detail", args=[batch.pk])).content.decode()
    for issue in Issue.objects.all():
        assert reverse("issues:detail", args=[issue.pk]) in page
    letter = client.get(reverse("intake:letter", args=[batch.pk, world.lead_department.pk]))
    assert letter.status_code == 200 and letter["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("intake:letter", args=[batch.pk, world.assisting_department.pk])).status_code == 404
    original = client.get(reverse("intake:file", args=[batch.pk]))
    assert original.status_code == 200 and b"".join(original.streaming_content).startswith(b"PK")


def test_a_letter_past_the_inline_bound_is_built_by_the_background_job(client, world, monkeypatch):
    """A batch may hold thousands of rows for one department: past the inline bound the letter
    link offers the job, whose file is the same letter under the same 发文字号."""
    batch = _upload(world, GOOD)
    services.import_batch_confirm(batch=batch, actor=world.inspector)
    client.force_login(world.inspector)
    url = reverse("intake:letter", args=[batch.pk, world.lead_department.pk])
    inline = client.get(url).content
    monkeypatch.setattr("intake.views.LETTERS_INLINE_MAX_ISSUES", 1)
    offer = client.get(url)
    assert offer.status_code == 200 and offer.templates[0].name == "reports/export_offer.html"
    background = follow_export_offer(client, url)

    def texts(content: bytes) -> list[str]:
        return [p.text for p in Document(io.BytesIO(content)).paragraphs]

    assert texts(background) == texts(inline)
    job = ExportJob.objects.get(owner=world.inspector)
    assert job.filename == f"问题交办函-{world.lead_department.name}-批次{batch.pk}.docx"
    # Another inspector may not ask for it, as they may not open the letter itself: the batch is
    # checked where the job is asked (intake), and the reports' export takes no batch at all.
    client.force_login(world.other_inspector)
    assert client.get(url).status_code == 404
    assert client.post(reverse("intake:letter_job", args=[batch.pk, world.lead_department.pk])).status_code == 404
    client.post(
        reverse("reports:export_create"),
        {"kind": "handoff_letters", "batch": batch.pk, "department": world.lead_department.pk},
    )
    assert not ExportJob.objects.filter(owner=world.other_inspector, parameters__has_key="batch").exists()


def test_uploading_through_the_page_leads_to_the_preview(client, world):
    client.force_login(world.inspector)
    response = client.post(reverse("intake:upload"), {"file": upload(GOOD)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("intake:detail", args=[batch.pk])
    refused = client.post(reverse("intake:upload"), {"file": upload([], name="x.xls")})
    assert "请上传 Excel（.xlsx）格式" in refused.content.decode()


def test_the_template_download_is_a_workbook_with_his_projects(client, world):
    client.force_login(world.inspector)
    response = client.get(reverse("intake:template"))
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    names = load_workbook(BytesIO(response.content))["名录"]
    projects = [cell.value for cell in names["A"][1:] if cell.value]
    assert projects == ["水电硅一体化项目"]  # not the other group's project


def test_liaisons_get_403_and_other_inspectors_404(client, world):
    batch = _upload(world, GOOD)
    client.force_login(world.lead_liaison)
    assert client.get(reverse("intake:upload")).status_code == 403
    assert client.get(reverse("intake:detail", args=[batch.pk])).status_code == 403
    client.force_login(world.other_inspector)
    assert client.get(reverse("intake:detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("intake:confirm", args=[batch.pk])).status_code == 404
    assert not Issue.objects.exists()


def test_the_ledger_and_the_inspectors_home_lead_to_the_import(client, world):
    client.force_login(world.inspector)
    upload_url = reverse("intake:upload")
    assert upload_url in client.get(reverse("issues:ledger")).content.decode()
    assert upload_url in client.get(reverse("home")).content.decode()
    client.force_login(world.lead_liaison)
    assert upload_url not in client.get(reverse("issues:ledger")).content.decode()


# --- large batches: handed off by a Celery task ---------------------------------------------------


def test_a_large_batch_is_queued_and_the_task_hands_it_off_once(
    client, world, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from intake import tasks

    queued = []
    monkeypatch.setattr(tasks.hand_off_batch, "delay", lambda batch_id: queued.append(batch_id))
    settings.DUDAO_INTAKE_SYNC_ROWS = 2
    batch = _upload(world, GOOD)
    client.force_login(world.inspector)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("intake:confirm", args=[batch.pk]), follow=True).content.decode()
    assert "正在后台逐件交办" in page and queued == [batch.pk]
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.HANDING_OFF and not Issue.objects.exists()
    again = client.post(reverse("intake:confirm", args=[batch.pk]), follow=True).content.decode()
    assert "正在后台交办" in again and queued == [batch.pk]  # nothing queued twice
    assert tasks.hand_off_batch(batch.pk) == 3
    assert tasks.hand_off_batch(batch.pk) == 0  # a redelivered task hands nothing off again
    assert Issue.objects.count() == 3 and ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.HANDED_OFF


def test_a_background_hand_off_refused_by_a_row_hands_off_nothing_and_says_why(client, world, monkeypatch):
    from intake import tasks

    monkeypatch.setattr(tasks.hand_off_batch, "delay", lambda batch_id: None)
    batch = _upload(world, GOOD)
    services.import_batch_queue(batch=batch, actor=world.inspector)
    world.other_department.is_active = False
    world.other_department.save()
    assert tasks.hand_off_batch(batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and "第3行" in batch.failure and "已停用" in batch.failure
    assert not Issue.objects.exists()
    client.force_login(world.inspector)
    page = client.get(reverse("intake:detail", args=[batch.pk])).content.decode()
    assert "上次确认未能交办，整批未交办任何问题" in page
