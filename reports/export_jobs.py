"""Background exports: the writes of reports.ExportJob (ask, run, fail, expire) and the one place
that turns a job's parameters back into a file.

A user asks (`export_job_create`, from a page); the Celery task `reports.tasks.run_export_job`
takes the job's id and calls `export_job_run`, which claims the job (queued → running, a
compare-and-set: a task delivered twice builds the file once), reads the rows again through the
same scoped selectors as the page as the owner, writes the file under private media while it
counts rows done, then marks it done and leaves a message in the owner's inbox. Every state change
is a compare-and-set on `state` and writes an ExportJobEvent. `export_job_expire_due` (beat) takes
away files past DUDAO_EXPORT_RETENTION_HOURS; the rows stay.

(A module of its own beside reports/services.py: the builders it calls import that module.)
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from itertools import groupby
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from issues.filters import issue_filter_for
from issues.models import IssueStatus
from issues.selectors import issue_list_visible_to
from notifications.models import NotificationKind
from notifications.services import Target, notify
from projects.selectors import project_ids_for_inspector
from reports import exports
from reports.documents.bulletin import bulletin_docx
from reports.documents.letters import handoff_letter_docx
from reports.figures import Month, current_month, summary_scope_pick, summary_scopes_for
from reports.models import ExportJob, ExportJobEvent, ExportKind, ExportState
from reports.services import summary_for

logger = logging.getLogger(__name__)

# Progress is written at most this often (one UPDATE), so a 600k-row export writes ~1 row a second.
PROGRESS_EVERY_SECONDS = 1.0
# 交办函 are built inside the request up to these bounds, more in the background. Measured under a
# load average of 5 here: ~9 ms an issue plus ~150 ms a letter (a .docx of its own), so 200 issues
# in 5 letters take ~2.5 s; 300 issues over 50 departments took 10 s.
LETTERS_INLINE_MAX_ISSUES = 200
LETTERS_INLINE_MAX_DOCUMENTS = 5


class ExportRefused(ServiceError):
    """The export cannot be asked for (a month or scope the user may not read, an empty letter batch)."""


class ExportJobConflict(ServiceError):
    """The job is not in the state the change expects (someone else moved it first)."""


# --- scope ------------------------------------------------------------------------------------


def export_scope_for(*, user: User, kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """What the owner may see, recorded with the job: the download is refused once the owner's
    scope no longer covers it (export_scope_still_covers)."""
    if kind in (ExportKind.SUMMARY_DOCX, ExportKind.SUMMARY_XLSX):
        return {"summary": parameters["scope"]}
    if user.sees_everything:
        return {"all": True}
    return {
        "projects": sorted(project_ids_for_inspector(user=user).values_list("pk", flat=True))
        if user.is_inspector
        else [],
        "department": user.department_id if user.is_liaison else None,
    }


def export_scope_still_covers(*, user: User, job: ExportJob) -> bool:
    """True when what the owner may see today covers what the file holds: the same scope, or a
    wider one. A narrowed scope (left the group, moved department, lost the leader role) refuses."""
    then = job.scope or {}
    if "summary" in then:
        return any(scope.key == then["summary"] for scope in summary_scopes_for(user=user))
    now = export_scope_for(user=user, kind=job.kind, parameters=job.parameters)
    if now.get("all"):
        return True
    if then.get("all"):
        return False
    projects_ok = set(then.get("projects", [])) <= set(now.get("projects", []))
    department = then.get("department")
    return projects_ok and (department is None or department == now.get("department"))


# --- asking -----------------------------------------------------------------------------------


def _title(*, kind: str, parameters: dict[str, Any], user: User) -> str:
    today = timezone.localdate()
    if kind == ExportKind.LEDGER_XLSX:
        return _("整改台账（%(day)s）") % {"day": f"{today:%Y-%m-%d}"}
    if kind == ExportKind.HANDOFF_LETTERS:
        return _("问题交办函（%(day)s）") % {"day": f"{today:%Y-%m-%d}"}
    scope = summary_scope_pick(scopes=summary_scopes_for(user=user), wanted=parameters["scope"])
    label = scope.label if scope else ""
    kind_label = _("通报") if kind == ExportKind.SUMMARY_DOCX else _("调度汇总")
    return _("%(scope)s%(month)s%(kind)s") % {"scope": label, "month": parameters["month"], "kind": kind_label}


def export_job_create(
    *,
    user: User,
    kind: str,
    query: str = "",
    month: str = "",
    scope: str = "",
    batch: int | None = None,
    department: int | None = None,
) -> ExportJob:
    """Record the request and queue its task after commit. Ledger and letters take the ledger's
    query string (filters and ordering), read again in the worker over the owner's scope; the
    letter of an import batch to one department takes the batch and the department instead
    (asked only through intake's letter_job, which checks the batch is the user's as its inline
    letter does; the worker reads its issues over the owner's scope too); summaries take a month
    and a scope the user may read. Raises ExportRefused for anything else."""
    if kind not in ExportKind.values:
        raise ExportRefused(_("未知的导出类型。"))
    parameters: dict[str, Any] = {"language": translation.get_language() or settings.LANGUAGE_CODE}
    if kind == ExportKind.HANDOFF_LETTERS and (batch is not None or department is not None):
        if batch is None or department is None:
            raise ExportRefused(_("未知的导出类型。"))
        parameters.update(query="", batch=batch, department=department)
    elif kind in (ExportKind.LEDGER_XLSX, ExportKind.HANDOFF_LETTERS):
        parameters["query"] = query
    else:
        try:
            wanted = Month.parse(month)
        except ValueError:
            raise ExportRefused(_("月份格式不正确。")) from None
        picked = summary_scope_pick(scopes=summary_scopes_for(user=user), wanted=scope or None)
        if picked is None or wanted > current_month():
            raise ExportRefused(_("无权导出该范围或月份的汇总。"))
        parameters.update(month=str(wanted), scope=picked.key)
    job = ExportJob.objects.create(
        owner=user,
        kind=kind,
        parameters=parameters,
        scope=export_scope_for(user=user, kind=kind, parameters=parameters),
        title=_title(kind=kind, parameters=parameters, user=user)[:200],
    )
    ExportJobEvent.objects.create(job=job, from_state="", to_state=ExportState.QUEUED)
    _queue(job.pk)
    return job


def _queue(job_id: int) -> None:
    def send() -> None:
        from reports.tasks import run_export_job

        run_export_job.delay(job_id)

    # robust: with the broker down the job stays queued; the sweep fails it after a while
    # (export_job_expire_due) so the owner is told instead of waiting for ever.
    transaction.on_commit(send, robust=True)


# --- state changes ----------------------------------------------------------------------------


def _move(job: ExportJob, *, source: tuple[str, ...], target: str, note: str = "", **fields: Any) -> ExportJob:
    """Compare-and-set: from one of `source` to `target`, with `fields`, and the event row."""
    moved = ExportJob.objects.filter(pk=job.pk, state__in=source).update(state=target, **fields)
    if not moved:
        raise ExportJobConflict(_("导出任务状态已变化，请刷新后查看。"))
    ExportJobEvent.objects.create(job=job, from_state=job.state, to_state=target, note=note)
    job.state = target
    for name, value in fields.items():
        setattr(job, name, value)
    return job


class Progress:
    """Counts rows as a builder writes them; writes rows_done to the job at most once a second,
    so the page's progress bar moves while memory and UPDATEs stay flat."""

    def __init__(self, job: ExportJob, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.done = 0
        self.clock = clock
        self._written_at = clock()

    def total(self, rows_total: int) -> None:
        self.job.rows_total = rows_total
        ExportJob.objects.filter(pk=self.job.pk).update(rows_total=rows_total)

    def __call__(self, rows: int = 1) -> None:
        self.done += rows
        if self.clock() - self._written_at >= PROGRESS_EVERY_SECONDS:
            self.flush()

    def flush(self) -> None:
        self._written_at = self.clock()
        self.job.rows_done = self.done
        ExportJob.objects.filter(pk=self.job.pk, state=ExportState.RUNNING).update(rows_done=self.done)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file. Returns None when the job was already claimed (a duplicate delivery);
    a failure marks the job failed with its reason and tells the owner — it is not raised again,
    so the task is not retried into the same error."""
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.state != ExportState.QUEUED:
        return None
    try:
        _move(job, source=(ExportState.QUEUED,), target=ExportState.RUNNING, started_at=timezone.now())
    except ExportJobConflict:
        return None
    progress = Progress(job)
    try:
        with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
            with tempfile.TemporaryFile() as output:
                filename = _build(job, progress=progress, output=output)
                size = output.seek(0, io.SEEK_END)
                output.seek(0)
                # Stored under a plain name; the user's file name is given on download.
                stored = f"export-{job.pk}.{filename.rsplit('.', 1)[-1]}"
                job.file.save(stored, File(output, name=stored), save=False)
            now = timezone.now()
            retention = dt.timedelta(hours=settings.DUDAO_EXPORT_RETENTION_HOURS)
            with transaction.atomic():
                _move(
                    job,
                    source=(ExportState.RUNNING,),
                    target=ExportState.DONE,
                    file=job.file.name,
                    filename=filename,
                    size_bytes=size,
                    rows_done=progress.done,
                    rows_total=max(progress.done, job.rows_total or 0),
                    finished_at=now,
                    expires_at=now + retention,
                )
                _tell_owner(job, ready=True)
    except Exception as error:  # noqa: BLE001 - any failure of a builder ends the job, with its reason
        logger.exception("export job %s failed", job.pk)
        detail = (
            str(error)
            if isinstance(error, ServiceError)
            else _("系统错误（%(error)s），请稍后重试或联系管理员。") % {"error": type(error).__name__}
        )
        _fail(job, reason=detail)
    return job


def _fail(job: ExportJob, *, reason: str) -> None:
    if job.file:
        job.file.delete(save=False)
    with transaction.atomic():
        try:
            _move(
                job,
                source=(ExportState.QUEUED, ExportState.RUNNING),
                target=ExportState.FAILED,
                note=reason,
                failure_reason=reason,
                finished_at=timezone.now(),
                file="",
            )
        except ExportJobConflict:
            return
        _tell_owner(job, ready=False)


def _tell_owner(job: ExportJob, *, ready: bool) -> None:
    if ready:
        kind, title = NotificationKind.EXPORT_READY, _("导出已完成：%(title)s") % {"title": job.title}
        url = reverse("reports:export_download", kwargs={"pk": job.pk})
        body = _("文件保留至%(until)s，过期后请重新生成。") % {
            "until": f"{timezone.localtime(job.expires_at):%Y-%m-%d %H:%M}" if job.expires_at else ""
        }
    else:
        kind, title = NotificationKind.EXPORT_FAILED, _("导出失败：%(title)s") % {"title": job.title}
        url = reverse("reports:export_detail", kwargs={"pk": job.pk})
        body = job.failure_reason
    notify(
        kind=kind,
        target=Target(type="export_job", id=job.pk, url=url),
        recipients=[job.owner],
        period=str(job.pk),
        title=title,
        body=body,
    )


def export_job_expire_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: files of done jobs past their time are deleted and the jobs marked expired
    (the row stays); jobs stuck queued or running past the task's time limit (a lost message, a
    killed worker) are marked failed so their owners are told. Returns the number of jobs moved."""
    now = now or timezone.now()
    moved = 0
    for job in ExportJob.objects.filter(state=ExportState.DONE, expires_at__lte=now).iterator():
        name = job.file.name
        try:
            with transaction.atomic():
                _move(job, source=(ExportState.DONE,), target=ExportState.EXPIRED, file="")
        except ExportJobConflict:
            continue
        if name:
            job.file.storage.delete(name)
        moved += 1
    stale_before = now - dt.timedelta(seconds=settings.DUDAO_EXPORT_TIME_LIMIT_SECONDS * 2)
    for job in ExportJob.objects.select_related("owner").filter(
        state__in=(ExportState.QUEUED, ExportState.RUNNING), created_at__lt=stale_before
    ):
        _fail(job, reason=_("任务超时未完成，请重新生成。"))
        moved += 1
    return moved


# --- building ---------------------------------------------------------------------------------


def _ledger_filterset(job: ExportJob) -> Any:
    return issue_filter_for(user=job.owner, data=QueryDict(job.parameters.get("query", "")))


def _build(job: ExportJob, *, progress: Progress, output: IO[bytes]) -> str:
    """Write the job's file to `output`; returns its download name."""
    today = timezone.localdate()
    if job.kind == ExportKind.LEDGER_XLSX:
        filterset = _ledger_filterset(job)
        issues = filterset.qs
        progress.total(issues.count())
        title = _("整改台账（导出时间：%(day)s）") % {"day": f"{today:%Y-%m-%d}"}
        exports.ledger_xlsx_write(issues, title=title, output=output, progress=progress)
        return f"整改台账-{today:%Y%m%d}.xlsx"
    if job.kind == ExportKind.HANDOFF_LETTERS:
        return _build_letters(job, progress=progress, output=output)
    month = Month.parse(job.parameters["month"])
    scope = summary_scope_pick(scopes=summary_scopes_for(user=job.owner), wanted=job.parameters["scope"])
    if scope is None:
        raise ExportRefused(_("无权导出该范围的汇总。"))
    # The Word 通报 prints no project: the live month's table of every project (20,000 rows at
    # 10 × S, seconds) is read only for the workbook.
    project_rows = 0 if job.kind == ExportKind.SUMMARY_DOCX else None
    view = summary_for(month=month, scope=scope, project_rows=project_rows)
    name = f"{view.figures['scope']['label']}{view.figures['month']}督导调度汇总"
    if job.kind == ExportKind.SUMMARY_DOCX:
        output.write(bulletin_docx(month=month, scope=scope, view=view, actor=job.owner, progress=progress))
        return f"{name}.docx"
    output.write(exports.summary_xlsx(figures=view.figures, bulletin=view.bulletin, progress=progress))
    return f"{name}.xlsx"


def _build_batch_letter(job: ExportJob, *, progress: Progress, output: IO[bytes]) -> str:
    """The 交办函 of an import batch to one lead department (intake's letter link), as one .docx:
    the batch's issues of that department the owner may read, all of them as the letter numbered
    at hand-off listed them."""
    issues = list(
        issue_list_visible_to(user=job.owner)
        .filter(import_row__batch_id=job.parameters["batch"], lead_department_id=job.parameters["department"])
        .prefetch_related("assisting_departments")
        .order_by("handed_off_at", "id")
    )
    if not issues:
        raise ExportRefused(_("当前筛选没有可交办的问题。"))
    progress.total(len(issues))
    output.write(handoff_letter_docx(issues=issues, actor=job.owner))
    progress(len(issues))
    return f"问题交办函-{issues[0].lead_department.name}-批次{job.parameters['batch']}.docx"


def _build_letters(job: ExportJob, *, progress: Progress, output: IO[bytes]) -> str:
    """交办函 of the ledger's selection, one per lead department, as one .zip; at most
    DUDAO_EXPORT_LETTERS_MAX issues (each letter numbers a document)."""
    if "batch" in job.parameters:
        return _build_batch_letter(job, progress=progress, output=output)
    issues = (
        _ledger_filterset(job)
        .qs.exclude(status=IssueStatus.WITHDRAWN)
        .select_related("project", "lead_department", "handed_off_by")
        .prefetch_related("assisting_departments")
        .order_by("lead_department__name", "handed_off_at", "id")
    )
    total = issues.count()
    if total == 0:
        raise ExportRefused(_("当前筛选没有可交办的问题。"))
    if total > settings.DUDAO_EXPORT_LETTERS_MAX:
        raise ExportRefused(_("一次最多生成%(n)s件问题的交办函。") % {"n": settings.DUDAO_EXPORT_LETTERS_MAX})
    progress.total(total)
    today = timezone.localdate()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for department, group in groupby(issues.iterator(chunk_size=500), key=lambda issue: issue.lead_department):
            batch = list(group)
            archive.writestr(f"问题交办函-{department.name}.docx", handoff_letter_docx(issues=batch, actor=job.owner))
            progress(len(batch))
    return f"问题交办函-{today:%Y%m%d}.zip"
