"""Every write of an Excel 问题清单 import: upload (checked and previewed row by row), confirmation
(the valid rows handed off, all or nothing), re-validation before confirming, abandonment.

A batch's status changes only here, by compare-and-set (one UPDATE … WHERE status = previewed):
a second confirmation of the same batch — a double click, a resubmitted form, two tabs — finds
it moved on and hands nothing off again. Each change writes an ImportBatchEvent. The rows are
handed off one by one through issues.services.issue_hand_off (its event, its notifications), in
the same transaction as the compare-and-set: if any row is refused, nothing of the batch is
handed off and the batch stays waiting. All functions are keyword-only and raise IntakeError
(a core.errors.ServiceError) with a message in Chinese.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.errors import ServiceError
from core.files import validate_upload
from core.i18n import system_language
from intake.errors import IntakeInvalid, IntakeNotAllowed, IntakePermissionDenied, IntakeRowRefused
from intake.models import BatchStatus, ImportBatch, ImportBatchEvent, ImportLetter, ImportRow
from intake.sheet import SheetError, SheetRow, read_rows
from intake.validation import CheckedRow, Lookups, check_row, chunked, mark_duplicates
from issues.errors import IssuePermissionDenied
from issues.rules import check_hand_off
from issues.services import issue_hand_off
from projects.models import Project
from reports.documents.letters import handoff_letter_number

CHUNK_ROWS = 500


def _may_import(actor: User) -> None:
    """The hand-off service's own rule: inspectors only (group members, leads, special inspectors)."""
    try:
        check_hand_off(user=actor)
    except IssuePermissionDenied:
        raise IntakePermissionDenied() from None


def _owner(batch: ImportBatch, actor: User) -> None:
    _may_import(actor)
    if batch.uploaded_by_id != actor.pk:
        raise IntakePermissionDenied(_("只有上传该问题清单的督导人员可以操作此批次。"))


def _event(*, batch: ImportBatch, actor: User, action: str, from_status: str = "", note: str = "", **data: Any) -> None:
    ImportBatchEvent.objects.create(
        batch=batch, actor=actor, action=action, from_status=from_status, to_status=batch.status, note=note, data=data
    )


def _move(*, batch: ImportBatch, to: BatchStatus, source: BatchStatus = BatchStatus.PREVIEWED, **updates: Any) -> str:
    """Compare-and-set the batch from `source` to `to`; IntakeNotAllowed when it has moved on."""
    changed = ImportBatch.objects.filter(pk=batch.pk, status=source).update(
        status=to, version=F("version") + 1, **updates
    )
    if changed != 1:
        current = ImportBatch.objects.get(pk=batch.pk)
        if current.status == BatchStatus.HANDING_OFF:
            raise IntakeNotAllowed(_("该批次正在后台交办，请稍后刷新查看结果，不会重复交办。"))
        if current.status == BatchStatus.HANDED_OFF:
            raise IntakeNotAllowed(
                _("该批次已于%(time)s确认交办（%(count)s件），不会重复交办。"),
                time=f"{timezone.localtime(current.confirmed_at):%Y-%m-%d %H:%M}",
                count=current.handed_off_count,
            )
        raise IntakeNotAllowed(status=current.get_status_display())
    batch.refresh_from_db()
    return source


def _check_file(upload: Any) -> Any:
    """core.files' checks (real xlsx by its bytes, not its name) and the import's own size limit."""
    name = (getattr(upload, "name", "") or "").strip()
    if not name.lower().endswith(".xlsx"):
        raise IntakeInvalid(_("请上传 Excel（.xlsx）格式的问题清单，可先下载模板填写。"), field="file")
    limit = settings.DUDAO_INTAKE_MAX_BYTES
    if upload.size > limit:
        raise IntakeInvalid(
            _("文件过大（%(size)s），问题清单不能超过 %(limit)s；行数很多时请分成几个文件导入。"),
            field="file",
            size=filesizeformat(upload.size),
            limit=filesizeformat(limit),
        )
    try:
        return validate_upload(upload)
    except ValidationError as error:
        raise IntakeInvalid("；".join(error.messages), field="file") from None


def _rows_checked(sheet_rows: Iterator[SheetRow], lookups: Lookups) -> Iterator[list[CheckedRow]]:
    seen: dict[tuple[int, str], int] = {}
    for chunk in chunked(sheet_rows, CHUNK_ROWS):
        checked = [check_row(row, lookups) for row in chunk]
        mark_duplicates(checked, seen=seen)
        yield checked


@transaction.atomic
def import_batch_upload(*, actor: User, upload: Any) -> ImportBatch:
    """Read an uploaded 问题清单 (streamed, chunk by chunk), check every row and keep the file, the
    rows and their errors as a batch waiting for confirmation. Nothing is handed off here. A file
    that is not a readable 问题清单 (type, size, header, row count, no rows) is refused whole and
    nothing is kept."""
    _may_import(actor)
    checked_file = _check_file(upload)
    lookups = Lookups.for_user(actor)
    batch = ImportBatch.objects.create(
        uploaded_by=actor,
        original_name=checked_file.original_name,
        content_type=checked_file.content_type,
        size=checked_file.size,
    )
    counts = {"rows": 0, "valid": 0}
    try:
        for checked in _rows_checked(read_rows(upload), lookups):
            ImportRow.objects.bulk_create(
                ImportRow(
                    batch=batch,
                    number=row.number,
                    cells=row.cells,
                    errors=row.errors,
                    resolved=row.resolved,
                    is_valid=row.is_valid,
                )
                for row in checked
            )
            counts["rows"] += len(checked)
            counts["valid"] += sum(row.is_valid for row in checked)
    except SheetError as error:
        raise IntakeInvalid(str(error), field="file") from None
    if not counts["rows"]:
        raise IntakeInvalid(_("文件中没有填写任何问题（“问题清单”页第2行起为空）。"), field="file")
    batch.row_count = counts["rows"]
    batch.valid_count = counts["valid"]
    batch.error_count = counts["rows"] - counts["valid"]
    # The bytes last: a refused file leaves nothing on disk.
    batch.store(uploaded=upload, checked=checked_file, prefix="intake")
    _event(
        batch=batch, actor=actor, action=ImportBatchEvent.Action.UPLOAD, rows=batch.row_count, errors=batch.error_count
    )
    return batch


def _stored_rows(batch: ImportBatch, **filters: Any) -> Iterator[list[ImportRow]]:
    rows = ImportRow.objects.filter(batch=batch, **filters).order_by("number")
    return chunked(rows.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS)


@transaction.atomic
def import_batch_revalidate(*, batch: ImportBatch, actor: User) -> int:
    """Check the valid rows of a waiting batch again as of now (a department deactivated, a project
    no longer his, a deadline now past, the same problem handed off meanwhile). Rows that fail now
    get their errors and the counts follow. Returns how many rows turned invalid."""
    _owner(batch, actor)
    if not ImportBatch.objects.select_for_update().filter(pk=batch.pk, status=BatchStatus.PREVIEWED).exists():
        return 0
    lookups = Lookups.for_user(actor)
    seen: dict[tuple[int, str], int] = {}
    turned = 0
    for chunk in _stored_rows(batch, is_valid=True):
        checked = [check_row(SheetRow(number=row.number, values=dict(row.cells)), lookups) for row in chunk]
        mark_duplicates(checked, seen=seen, exclude_batch_id=batch.pk)
        changed = []
        for row, now in zip(chunk, checked, strict=True):
            if not now.is_valid:
                row.errors, row.resolved, row.is_valid = now.errors, now.resolved, False
                changed.append(row)
            elif now.resolved != row.resolved:
                row.resolved = now.resolved
                changed.append(row)
        ImportRow.objects.bulk_update(changed, ["errors", "resolved", "is_valid"])
        turned += sum(not row.is_valid for row in changed)
    if turned:
        ImportBatch.objects.filter(pk=batch.pk).update(
            valid_count=F("valid_count") - turned, error_count=F("error_count") + turned, version=F("version") + 1
        )
        batch.refresh_from_db()
        _event(batch=batch, actor=actor, action=ImportBatchEvent.Action.REVALIDATE, turned_invalid=turned)
    return turned


def _refuse_errors(batch: ImportBatch, only_valid: bool) -> None:
    if batch.status == BatchStatus.PREVIEWED and batch.error_count and not only_valid:
        raise IntakeInvalid(
            _("问题清单有%(errors)s行错误，不能整体交办。请修改后重新上传，或选择只交办无误的%(valid)s行。"),
            errors=batch.error_count,
            valid=batch.valid_count,
        )


@transaction.atomic
def import_batch_confirm(*, batch: ImportBatch, actor: User, only_valid: bool = False) -> ImportBatch:
    """Hand off the batch's valid rows, each through issues.services.issue_hand_off (its event and
    notifications), in one transaction with the batch's compare-and-set: all rows or none. A file
    with errors is handed off only when the inspector chose `only_valid`. Deadlines given in
    working days count from today. Numbers one 交办函 per lead department (ImportLetter).
    A batch already handed off (or being handed off) raises IntakeNotAllowed and hands off nothing."""
    _owner(batch, actor)
    _refuse_errors(batch, only_valid)
    return _hand_off(batch=batch, actor=actor, only_valid=only_valid, source=BatchStatus.PREVIEWED)


@transaction.atomic
def import_batch_queue(*, batch: ImportBatch, actor: User, only_valid: bool = False) -> ImportBatch:
    """Confirm a large batch for the background: 待确认 → 交办中 (compare-and-set, so a second
    confirmation queues nothing), and after commit a Celery task hands it off with
    import_batch_run — the same all-or-nothing transaction as import_batch_confirm."""
    _owner(batch, actor)
    _refuse_errors(batch, only_valid)
    if not batch.valid_count:
        raise IntakeInvalid(_("没有可交办的行：每一行都有错误。"))
    from_status = _move(batch=batch, to=BatchStatus.HANDING_OFF, only_valid=only_valid, failure="")
    _event(
        batch=batch, actor=actor, action=ImportBatchEvent.Action.QUEUE, from_status=from_status, only_valid=only_valid
    )
    from intake.tasks import hand_off_batch

    batch_id = batch.pk
    transaction.on_commit(lambda: hand_off_batch.delay(batch_id))
    return batch


def import_batch_run(*, batch_id: int) -> int:
    """The background hand-off of a batch in 交办中 (the task's body): all its valid rows in one
    transaction, or — when a row is refused — none, and the batch back to 待确认 with the reason
    (`failure`) for its uploader to read. Run twice, it hands nothing off twice. Returns the
    number of issues handed off."""
    batch = ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.status != BatchStatus.HANDING_OFF:
        return 0
    try:
        with transaction.atomic():
            _hand_off(batch=batch, actor=batch.uploaded_by, only_valid=batch.only_valid, source=BatchStatus.HANDING_OFF)
    except ServiceError as error:
        with transaction.atomic():
            batch.refresh_from_db()
            if batch.status == BatchStatus.HANDING_OFF:
                from_status = _move(
                    batch=batch, to=BatchStatus.PREVIEWED, source=BatchStatus.HANDING_OFF, failure=str(error)
                )
                _event(
                    batch=batch,
                    actor=batch.uploaded_by,
                    action=ImportBatchEvent.Action.FAIL,
                    from_status=from_status,
                    note=str(error),
                )
        return 0
    return batch.handed_off_count


def _hand_off(*, batch: ImportBatch, actor: User, only_valid: bool, source: BatchStatus) -> ImportBatch:
    """The hand-off itself, inside the caller's transaction (see import_batch_confirm)."""
    _may_import(actor)
    from_status = _move(
        batch=batch,
        to=BatchStatus.HANDED_OFF,
        source=source,
        confirmed_at=timezone.now(),
        only_valid=only_valid,
        failure="",
    )
    if not batch.valid_count:
        raise IntakeInvalid(_("没有可交办的行：每一行都有错误。"))
    lookups = Lookups.for_user(actor)
    projects: dict[int, Project] = {}
    departments = Department.objects.in_bulk()
    by_department: dict[int, list[int]] = defaultdict(list)
    seen: dict[tuple[int, str], int] = {}
    for chunk in _stored_rows(batch, is_valid=True):
        # Handed off meanwhile by someone else: refused like any other row the hand-off refuses.
        again = [check_row(SheetRow(number=row.number, values=dict(row.cells)), lookups) for row in chunk]
        mark_duplicates(again, seen=seen, exclude_batch_id=batch.pk)
        wanted = {now.resolved["project_id"] for now in again if "project_id" in now.resolved} - set(projects)
        projects.update(Project.objects.in_bulk(list(wanted)))
        for row, now in zip(chunk, again, strict=True):
            if not now.is_valid:
                raise IntakeRowRefused(row=row.number, reason=now.errors[0]["message"])
            resolved = now.resolved
            try:
                issue = issue_hand_off(
                    actor=actor,
                    project=projects[resolved["project_id"]],
                    title=resolved["title"],
                    description=resolved["description"],
                    category=resolved["category"],
                    severity=resolved["severity"],
                    lead_department=departments[resolved["lead_department_id"]],
                    assisting_departments=[departments[pk] for pk in resolved["assisting_department_ids"]],
                    sign_deadline=lookups.deadline(resolved["deadlines"]["sign_deadline"]),
                    rectification_deadline=lookups.deadline(resolved["deadlines"]["rectification_deadline"]),
                )
            except (ServiceError, KeyError) as error:
                reason = str(error) if isinstance(error, ServiceError) else _("引用的项目或单位已不存在")
                raise IntakeRowRefused(row=row.number, reason=reason.rstrip("。")) from None
            row.issue = issue
            by_department[issue.lead_department_id].append(issue.pk)
        ImportRow.objects.bulk_update(chunk, ["issue"])
    today = timezone.localdate()
    ImportLetter.objects.bulk_create(
        ImportLetter(
            batch=batch,
            department_id=department_id,
            number=handoff_letter_number(department_id=department_id, issue_ids=ids, document_date=today, actor=actor),
            issue_count=len(ids),
        )
        for department_id, ids in sorted(by_department.items())
    )
    handed = sum(len(ids) for ids in by_department.values())
    ImportBatch.objects.filter(pk=batch.pk).update(handed_off_count=handed)
    batch.handed_off_count = handed
    with system_language():  # stored text: read later, by others
        note = _("交办%(count)s件，涉及%(departments)s个责任单位") % {
            "count": handed,
            "departments": len(by_department),
        }
        if only_valid and batch.error_count:
            note += _("；%(errors)s行有错误未交办") % {"errors": batch.error_count}
    _event(
        batch=batch,
        actor=actor,
        action=ImportBatchEvent.Action.HAND_OFF,
        from_status=from_status,
        note=note,
        handed_off=handed,
        only_valid=only_valid,
    )
    return batch


@transaction.atomic
def import_batch_abandon(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """放弃: the batch will not be handed off; the file and the rows are kept."""
    _owner(batch, actor)
    from_status = _move(batch=batch, to=BatchStatus.ABANDONED, abandoned_at=timezone.now())
    _event(batch=batch, actor=actor, action=ImportBatchEvent.Action.ABANDON, from_status=from_status)
    return batch
