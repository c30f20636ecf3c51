"""Writes of a project's workflow records: procedure stages (手续环节) and factor guarantees (要素保障).

Only the inspectors of the project's active groups keep them. Every change compares-and-sets the
version the editor saw (a concurrent edit is refused with what the other person saved, never
overwritten) and writes a ProjectRecordEvent with what changed, so the project pages show the
history; pghistory records the rows as well. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.models import describe_differences
from projects.models import FactorGuarantee, FactorKind, ProcedureStage, Project, ProjectRecordEvent
from projects.selectors import user_keeps_project_records

STAGE_FIELDS = ("kind", "name", "status", "started_on", "finished_on", "blocked_since", "blockage_note")
FACTOR_FIELDS = ("status", "note")


class StaleRecordError(ValidationError):
    """Someone saved the record after this editor loaded it."""


def require_keeper(*, actor: User, project: Project) -> None:
    """Refuse (403 with the reason) anyone who does not keep this project's stages and factors."""
    if not user_keeps_project_records(user=actor, project_id=project.pk):
        raise PermissionDenied(_("只有本项目所在督导组的成员可以登记或修改手续环节和要素保障。"))


def _field(record: Model, name: str) -> Field[Any, Any]:
    """The record's own field `name` (the forms only ever name columns, never reverse relations)."""
    field = record._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{name} is a reverse relation of {record._meta.label}, not one of its fields")
    return field


def _shown(record: Model, name: str, value: Any) -> str:
    field = _field(record, name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _changes(record: Model, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed, in the words of the moment (labels, display values), for the history."""
    return [
        {
            "field": str(_field(record, name).verbose_name),
            "from": _shown(record, name, before.get(name)),
            "to": _shown(record, name, after[name]),
        }
        for name in after
        if before.get(name) != after[name]
    ]


def _clean_stage(values: dict[str, Any]) -> dict[str, Any]:
    """The rules of a stage's dates and status; a clear message on the field at fault."""
    values = {
        **values,
        "name": (values.get("name") or "").strip(),
        "blockage_note": (values.get("blockage_note") or "").strip(),
    }
    today = timezone.localdate()
    if values["kind"] not in ProcedureStage.Kind.values:
        raise ValidationError({"kind": _("请选择有效的手续环节。")})
    if values["status"] not in ProcedureStage.Status.values:
        raise ValidationError({"status": _("请选择有效的状态。")})
    started, finished = values.get("started_on"), values.get("finished_on")
    for name in ("started_on", "finished_on", "blocked_since"):
        if values.get(name) and values[name] > today:
            raise ValidationError({name: _("日期不能晚于今天。")})
    if started and finished and finished < started:
        raise ValidationError({"finished_on": _("完成日期不能早于启动日期。")})
    status = values["status"]
    if status == ProcedureStage.Status.DONE:
        if not finished:
            raise ValidationError({"finished_on": _("已完成的环节请填写完成日期。")})
    elif finished:
        raise ValidationError({"finished_on": _("只有已完成的环节才填写完成日期。")})
    if status == ProcedureStage.Status.BLOCKED:
        if not values["blockage_note"]:
            raise ValidationError({"blockage_note": _("受阻的环节请说明堵点。")})
        values["blocked_since"] = values.get("blocked_since") or today
    else:
        values["blocked_since"] = None  # a stage no longer blocked counts no blocked days
    if status != ProcedureStage.Status.NOT_STARTED and not started:
        values["started_on"] = today if not finished else finished
    return {name: values.get(name) for name in STAGE_FIELDS}


def _duplicate_stage(project: Project, values: dict[str, Any], *, exclude: int | None = None) -> bool:
    same = ProcedureStage.objects.filter(project=project, kind=values["kind"], name=values["name"])
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.exists()


def _stale(record: Model, values: dict[str, Any], message: str) -> StaleRecordError:
    differences = describe_differences(record, values)
    if differences:
        message = f"{message}{_('他人保存的内容：')}{'；'.join(differences)}"
    return StaleRecordError(message, code="stale")


@transaction.atomic
def procedure_stage_create(
    *,
    actor: User,
    project: Project,
    kind: str,
    status: str = ProcedureStage.Status.NOT_STARTED,
    name: str = "",
    started_on: dt.date | None = None,
    finished_on: dt.date | None = None,
    blocked_since: dt.date | None = None,
    blockage_note: str = "",
) -> ProcedureStage:
    """登记手续环节. A started stage without a start date starts today (or on its finish date); a
    blocked one without a date is blocked since today."""
    require_keeper(actor=actor, project=project)
    values = _clean_stage(
        {
            "kind": kind,
            "name": name,
            "status": status,
            "started_on": started_on,
            "finished_on": finished_on,
            "blocked_since": blocked_since,
            "blockage_note": blockage_note,
        }
    )
    if _duplicate_stage(project, values):
        raise ValidationError({"name": _("该项目已登记同名的手续环节，请填写环节说明加以区分。")})
    position = (project.stages.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            stage = ProcedureStage.objects.create(project=project, position=position, **values)
    except IntegrityError:
        raise ValidationError({"name": _("该项目已登记同名的手续环节，请填写环节说明加以区分。")}) from None
    ProjectRecordEvent.objects.create(
        project=project,
        stage=stage,
        actor=actor,
        action=ProjectRecordEvent.Action.CREATE,
        changes=_changes(stage, {}, values),
    )
    return stage


@transaction.atomic
def procedure_stage_update(
    *,
    actor: User,
    stage: ProcedureStage,
    expected_version: int,
    kind: str,
    status: str = ProcedureStage.Status.NOT_STARTED,
    name: str = "",
    started_on: dt.date | None = None,
    finished_on: dt.date | None = None,
    blocked_since: dt.date | None = None,
    blockage_note: str = "",
) -> ProcedureStage:
    """Change a stage's status, dates and blockage note if nobody saved it since `expected_version`
    (else StaleRecordError naming what the other person saved)."""
    require_keeper(actor=actor, project=stage.project)
    values = _clean_stage(
        {
            "kind": kind,
            "name": name,
            "status": status,
            "started_on": started_on,
            "finished_on": finished_on,
            "blocked_since": blocked_since,
            "blockage_note": blockage_note,
        }
    )
    if _duplicate_stage(stage.project, values, exclude=stage.pk):
        raise ValidationError({"name": _("该项目已登记同名的手续环节，请填写环节说明加以区分。")})
    before = {name: getattr(stage, name) for name in STAGE_FIELDS}
    updated = ProcedureStage.objects.filter(pk=stage.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise _stale(stage, values, _("该手续环节已被他人修改。请刷新页面查看最新内容后再修改。"))
    stage.refresh_from_db()
    changes = _changes(stage, before, values)
    if changes:
        ProjectRecordEvent.objects.create(
            project=stage.project, stage=stage, actor=actor, action=ProjectRecordEvent.Action.UPDATE, changes=changes
        )
    return stage


def _clean_factor(values: dict[str, Any]) -> dict[str, Any]:
    if values["status"] not in FactorGuarantee.Status.values:
        raise ValidationError({"status": _("请选择有效的保障情况。")})
    note = (values.get("note") or "").strip()
    if values["status"] == FactorGuarantee.Status.AT_RISK and not note:
        raise ValidationError({"note": _("存在困难的要素请说明困难所在。")})
    return {"status": values["status"], "note": note}


@transaction.atomic
def factor_guarantee_create(
    *, actor: User, project: Project, factor: str, status: str, note: str = ""
) -> FactorGuarantee:
    """登记要素保障: one row per factor (水、电、路、气) and project."""
    require_keeper(actor=actor, project=project)
    if factor not in FactorKind.values:
        raise ValidationError({"factor": _("请选择有效的要素。")})
    values = _clean_factor({"status": status, "note": note})
    taken = _("该项目已登记“%(factor)s”的保障情况，请在原记录上更新。") % {"factor": FactorKind(factor).label}
    if FactorGuarantee.objects.filter(project=project, factor=factor).exists():
        raise ValidationError({"factor": taken})
    try:
        with transaction.atomic():
            record = FactorGuarantee.objects.create(
                project=project, factor=factor, updated_on=timezone.localdate(), **values
            )
    except IntegrityError:
        raise ValidationError({"factor": taken}) from None
    ProjectRecordEvent.objects.create(
        project=project,
        factor=record,
        actor=actor,
        action=ProjectRecordEvent.Action.CREATE,
        changes=_changes(record, {}, {"factor": factor, **values}),
    )
    return record


@transaction.atomic
def factor_guarantee_update(
    *, actor: User, factor: FactorGuarantee, expected_version: int, status: str, note: str = ""
) -> FactorGuarantee:
    """Change a factor's status and note if nobody saved it since `expected_version`."""
    require_keeper(actor=actor, project=factor.project)
    values = _clean_factor({"status": status, "note": note})
    before = {name: getattr(factor, name) for name in FACTOR_FIELDS}
    updated = FactorGuarantee.objects.filter(pk=factor.pk, version=expected_version).update(
        version=F("version") + 1, updated_on=timezone.localdate(), **values
    )
    if updated != 1:
        raise _stale(factor, values, _("该要素保障记录已被他人修改。请刷新页面查看最新内容后再修改。"))
    factor.refresh_from_db()
    changes = _changes(factor, before, values)
    if changes:
        ProjectRecordEvent.objects.create(
            project=factor.project, factor=factor, actor=actor, action=ProjectRecordEvent.Action.UPDATE, changes=changes
        )
    return factor
