"""Background exports: the job's states and events, progress, the owner-only download with the
scope checked again, the inbox message, expiry, and the pages. The service runs in this process
here (a unit test); tests/integration/test_export_worker.py runs it in a real Celery worker."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from notifications.models import Notification, NotificationKind
from projects.models import GroupMembership
from reports import export_jobs
from reports.export_jobs import (
    ExportRefused,
    Progress,
    export_job_create,
    export_job_expire_due,
    export_job_run,
)
from reports.models import ExportJob, ExportJobEvent, ExportKind, ExportState
from reports.tasks import expire_exports, run_export_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def issues(world):
    made = [world.hand_off(title=f"导出问题{i}") for i in range(5)]
    made.append(
        world.hand_off(
            title="另一组的问题",
            project=world.other_project,
            actor=world.other_inspector,
            lead_department=world.other_department,
            assisting_departments=[],
        )
    )
    return made


def _download(client, job) -> bytes:
    response = client.get(reverse("reports:export_download", kwargs={"pk": job.pk}))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def _titles(content: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return {row[1].split("：")[0] for row in sheet.iter_rows(min_row=3, values_only=True)}


def test_a_ledger_job_runs_through_its_states_and_tells_its_owner(client, world, issues):
    job = export_job_create(user=world.inspector, kind=ExportKind.LEDGER_XLSX, query="q=导出问题")
    assert job.state == ExportState.QUEUED and job.parameters["query"] == "q=导出问题"
    assert job.scope == {"projects": [world.project.pk], "department": None}

    job = export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and (job.rows_done, job.rows_total) == (5, 5) and job.percent == 100
    assert job.filename.endswith(".xlsx") and job.size_bytes > 0 and job.finished_at is not None
    assert job.expires_at == job.finished_at + dt.timedelta(hours=72)
    events = list(ExportJobEvent.objects.filter(job=job).values_list("from_state", "to_state"))
    assert events == [("", "queued"), ("queued", "running"), ("running", "done")]

    # the inbox: one message to the owner, whose link is the download
    message = Notification.objects.get(kind=NotificationKind.EXPORT_READY, target_id=job.pk)
    assert message.recipient == world.inspector
    assert message.url == reverse("reports:export_download", kwargs={"pk": job.pk})
    assert job.title in message.title
    client.force_login(world.inspector)
    assert _titles(_download(client, job)) == {f"导出问题{i}" for i in range(5)}


def test_a_job_delivered_twice_is_built_once(world, issues):
    job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    assert run_export_job(job.pk) == ExportState.DONE  # the task calls the service
    assert run_export_job(job.pk) == "skipped"
    assert ExportJobEvent.objects.filter(job=job, to_state=ExportState.RUNNING).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.EXPORT_READY, target_id=job.pk).count() == 1


def test_another_user_gets_404_and_so_does_an_owner_whose_scope_narrowed(client, world, issues):
    job = export_job_run(job_id=export_job_create(user=world.inspector, kind=ExportKind.LEDGER_XLSX).pk)
    url = reverse("reports:export_download", kwargs={"pk": job.pk})
    for outsider in (world.other_inspector, world.leader, world.lead_liaison):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(reverse("reports:export_detail", kwargs={"pk": job.pk})).status_code == 404
    client.force_login(world.inspector)
    assert client.get(reverse("reports:export_download", kwargs={"pk": job.pk + 999})).status_code == 404
    assert client.get(url).status_code == 200
    # the inspector leaves the group: the file holds issues they may no longer read
    GroupMembership.objects.filter(user=world.inspector).delete()
    assert client.get(url).status_code == 404


def test_a_wider_scope_still_downloads_and_a_leader_file_needs_a_leader(client, world, issues):
    job = export_job_run(job_id=export_job_create(user=world.inspector, kind=ExportKind.LEDGER_XLSX).pk)
    GroupMembership.objects.create(group=world.other_group, user=world.inspector)
    client.force_login(world.inspector)
    assert client.get(reverse("reports:export_download", kwargs={"pk": job.pk})).status_code == 200
    leader_job = export_job_run(job_id=export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX).pk)
    assert leader_job.scope == {"all": True}
    world.leader.groups.clear()  # no longer a leader: the city-wide file is refused
    client.force_login(world.leader)
    assert client.get(reverse("reports:export_download", kwargs={"pk": leader_job.pk})).status_code == 404


def test_progress_is_written_at_most_once_a_second_and_counted_in_rows(world):
    job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING)
    job.state = ExportState.RUNNING
    now = [100.0]
    progress = Progress(job, clock=lambda: now[0])
    progress.total(400)
    progress(150)
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total, job.percent) == (0, 400, 0)  # under a second: not written
    now[0] += 1.0
    progress(1)
    job.refresh_from_db()
    assert (job.rows_done, job.percent) == (151, 37)
    progress(249)
    progress.flush()
    job.refresh_from_db()
    assert (job.rows_done, job.percent) == (400, 100)


def test_the_progress_fragment_polls_while_running_and_stops_when_done(client, world, issues):
    job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, rows_total=200, rows_done=50)
    client.force_login(world.leader)
    url = reverse("reports:export_detail", kwargs={"pk": job.pk})
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'hx-trigger="every 2s"' in fragment
    assert 'aria-valuenow="25"' in fragment and "已完成 50 / 200 行" in fragment
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.QUEUED, rows_total=None, rows_done=0)
    export_job_run(job_id=job.pk)
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and 'aria-valuenow="100"' in page
    assert reverse("reports:export_download", kwargs={"pk": job.pk}) in page


def test_a_failing_builder_marks_the_job_failed_with_its_reason_and_tells_the_owner(world, issues, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_jobs.exports, "ledger_xlsx_write", broken)
    job = export_job_run(job_id=export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX).pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "RuntimeError" in job.failure_reason and not job.file
    message = Notification.objects.get(kind=NotificationKind.EXPORT_FAILED, target_id=job.pk)
    assert message.recipient == world.leader and message.body == job.failure_reason


def test_expiry_deletes_the_file_and_keeps_the_job(client, world, issues, settings):
    job = export_job_run(job_id=export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX).pk)
    path = job.file.path
    assert open(path, "rb").read(2) == b"PK"
    assert export_job_expire_due() == 0  # not due yet
    job.refresh_from_db()
    assert export_job_expire_due(now=job.expires_at + dt.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.state == ExportState.EXPIRED and not job.file and job.filename  # the row stays
    import os

    assert not os.path.exists(path)
    assert ExportJobEvent.objects.filter(job=job, from_state="done", to_state="expired").exists()
    client.force_login(world.leader)
    response = client.get(reverse("reports:export_download", kwargs={"pk": job.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:export_detail", kwargs={"pk": job.pk})
    assert "已过期" in response.content.decode()
    # the retention is a setting; the beat task calls the same sweep
    settings.DUDAO_EXPORT_RETENTION_HOURS = 0
    other = export_job_run(job_id=export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX).pk)
    assert expire_exports() == 1
    other.refresh_from_db()
    assert other.state == ExportState.EXPIRED


def test_a_job_whose_task_was_lost_is_failed_by_the_sweep(world):
    job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    assert export_job_expire_due() == 0
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert export_job_expire_due() == 1
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "超时" in job.failure_reason
    assert Notification.objects.filter(kind=NotificationKind.EXPORT_FAILED, target_id=job.pk).exists()


def test_summary_jobs_build_word_and_excel_for_a_readable_scope_only(client, world, issues):
    month = timezone.localdate().strftime("%Y-%m")
    docx = export_job_run(
        job_id=export_job_create(user=world.leader, kind=ExportKind.SUMMARY_DOCX, month=month, scope="all").pk
    )
    xlsx = export_job_run(
        job_id=export_job_create(user=world.leader, kind=ExportKind.SUMMARY_XLSX, month=month, scope="all").pk
    )
    assert docx.state == xlsx.state == ExportState.DONE
    assert docx.filename.endswith(".docx") and xlsx.filename.endswith(".xlsx") and xlsx.rows_done > 0
    client.force_login(world.leader)
    assert _download(client, docx)[:2] == b"PK"
    assert "概况" in load_workbook(io.BytesIO(_download(client, xlsx))).sheetnames
    with pytest.raises(ExportRefused):  # a liaison reads no summary
        export_job_create(user=world.lead_liaison, kind=ExportKind.SUMMARY_DOCX, month=month, scope="all")
    with pytest.raises(ExportRefused):  # an inspector reads their group's, not the city's
        export_job_create(user=world.inspector, kind=ExportKind.SUMMARY_DOCX, month=month, scope="all")
    with pytest.raises(ExportRefused):
        export_job_create(user=world.leader, kind="everything")


def test_a_summary_export_link_builds_nothing_and_offers_the_job(
    client, world, issues, monkeypatch, django_assert_max_num_queries
):
    """The direct GET links (bookmarks, old pages) no longer build the 通报 or the 调度汇总 inside
    the request (seconds at 3 × S): they check the scope like the page and offer the job."""

    def never(**_kwargs):
        raise AssertionError("the summary was computed inside the request")

    monkeypatch.setattr("reports.views.summary_for", never, raising=False)
    month = timezone.localdate().strftime("%Y-%m")
    client.force_login(world.inspector)
    for name, kind in (("reports:summary_docx", "summary_docx"), ("reports:summary_xlsx", "summary_xlsx")):
        with django_assert_max_num_queries(12):
            offer = client.get(reverse(name, kwargs={"month": month}))
        assert offer.status_code == 200 and offer.templates[0].name == "reports/export_offer.html"
        body = offer.content.decode()
        assert f'name="kind" value="{kind}"' in body and f'name="month" value="{month}"' in body
        assert f'name="scope" value="group-{world.group.pk}"' in body
        assert client.get(reverse(name, kwargs={"month": month}), {"scope": "all"}).status_code == 404
    assert not ExportJob.objects.exists()  # a GET asks for nothing
    response = client.post(
        reverse("reports:export_create"), {"kind": "summary_docx", "month": month, "scope": f"group-{world.group.pk}"}
    )
    job = ExportJob.objects.get(owner=world.inspector)
    assert response.url == reverse("reports:export_detail", kwargs={"pk": job.pk}) and job.state == ExportState.QUEUED


def test_a_letters_job_zips_one_letter_per_lead_department(client, world, issues):
    job = export_job_run(job_id=export_job_create(user=world.leader, kind=ExportKind.HANDOFF_LETTERS).pk)
    assert job.state == ExportState.DONE and (job.rows_done, job.rows_total) == (6, 6)
    client.force_login(world.leader)
    names = zipfile.ZipFile(io.BytesIO(_download(client, job))).namelist()
    assert sorted(names) == sorted(
        [f"问题交办函-{world.lead_department.name}.docx", f"问题交办函-{world.other_department.name}.docx"]
    )


def test_the_ledger_form_creates_a_job_and_a_big_selection_is_offered_in_the_background(
    client, world, issues, settings
):
    client.force_login(world.leader)
    page = client.get(reverse("issues:ledger")).content.decode()
    assert re.search(r'<form[^>]*action="/exports/new/"[^>]*data-export="ledger-xlsx"', page)
    assert "生成导出" in page
    response = client.post(
        reverse("reports:export_create"), {"kind": "ledger_xlsx", "query": "q=导出问题1", "next": "/issues/"}
    )
    job = ExportJob.objects.get(owner=world.leader)
    assert response.status_code == 302 and response.url == reverse("reports:export_detail", kwargs={"pk": job.pk})
    # a refusal goes back where the user came from, with the reason
    refused = client.post(reverse("reports:export_create"), {"kind": "nope", "next": "/issues/?q=x"})
    assert refused.status_code == 302 and refused.url == "/issues/?q=x"
    refused = client.post(reverse("reports:export_create"), {"kind": "nope", "next": "https://evil.example/"})
    assert refused.url == reverse("reports:export_list")
    # a small selection still streams at once; a big one is offered as a background job
    assert client.get(reverse("reports:ledger_xlsx")).status_code == 200
    settings.DUDAO_EXPORT_INLINE_MAX_ROWS = 3
    offer = client.get(reverse("reports:ledger_xlsx"), {"q": "导出问题"})
    assert offer.status_code == 200 and "当前筛选共 5 件问题" in offer.content.decode()
    assert 'name="query" value="q=%E5%AF%BC%E5%87%BA%E9%97%AE%E9%A2%98"' in offer.content.decode()


def test_letters_stream_at_once_only_for_a_few_letters(client, world, issues, monkeypatch):
    """Each letter is a document of its own (~150 ms) besides ~9 ms an issue: the batch streams at
    once only within both bounds, else the ledger's 生成交办函 offers the job."""
    client.force_login(world.leader)
    at_once = client.get(reverse("reports:issue_letters"))
    assert at_once["Content-Type"] == "application/zip"  # 2 letters, 6 issues
    monkeypatch.setattr("reports.views.LETTERS_INLINE_MAX_DOCUMENTS", 1)
    offer = client.get(reverse("reports:issue_letters"))
    assert offer.templates[0].name == "reports/export_offer.html" and offer.context["count"] == 6
    assert offer.context["kind"] == "handoff_letters"
    one_department = client.get(reverse("reports:issue_letters"), {"lead_department": world.lead_department.pk})
    assert one_department["Content-Type"].startswith("application/vnd.openxmlformats")
    monkeypatch.setattr("reports.views.LETTERS_INLINE_MAX_ISSUES", 4)
    offer = client.get(reverse("reports:issue_letters"), {"lead_department": world.lead_department.pk})
    assert offer.templates[0].name == "reports/export_offer.html" and offer.context["count"] == 5


def test_my_exports_lists_my_jobs_only_in_constant_queries(client, world, django_assert_max_num_queries):
    for _i in range(3):
        export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    export_job_create(user=world.inspector, kind=ExportKind.LEDGER_XLSX)
    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:export_list"))
    assert len(response.context["page"].object_list) == 3
    for _i in range(10):
        export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:export_list"))
    assert len(response.context["page"].object_list) == 13


def test_a_ledger_job_reads_in_a_constant_number_of_queries(world):
    """Rows come through one cursor and assisting departments one query per 2,000 rows: 3 issues
    or 30 cost the same queries (a per-row query would add 27)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run() -> int:
        job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX)
        with CaptureQueriesContext(connection) as queries:
            export_job_run(job_id=job.pk)
        return len(queries)

    for index in range(3):
        world.hand_off(title=f"少量{index}")
    few = run()
    for index in range(27):
        world.hand_off(title=f"更多{index}")
    assert run() == few
