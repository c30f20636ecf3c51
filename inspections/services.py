"""Writes of site visits. Views parse input and call one of these; nothing here is hard-deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.files import CheckedUpload, check_uploads
from core.models import describe_differences
from inspections.models import Finding, FindingKind, SiteVisit, VisitAttachment, VisitMethod
from inspections.selectors import visit_get_by_device_id, visit_has_issues
from projects.models import Project
from projects.selectors import user_can_inspect_project


class StaleEditError(ValidationError):
    """Someone saved the visit after this editor loaded it: their work must not be overwritten."""


class DeviceDraftConflict(ValidationError):
    """A device id already names a visit (or a photo index a photo) with other content: two
    different drafts must never merge, and the first one must not be overwritten."""


def _refuse_future(visited_on: dt.date) -> None:
    # A visit is a record of what happened: the web form and the API both get this rule here.
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("检查日期不能晚于今天。")}, code="future")


def _require_inspector(*, actor: User, project_id: int) -> None:
    if not user_can_inspect_project(user=actor, project_id=project_id):
        raise PermissionDenied(_("只有本项目的督导人员可以记录或修改督导检查。"))


def _method_flags(methods: Iterable[str]) -> dict[str, bool]:
    chosen = {str(m) for m in methods}
    unknown = chosen - set(VisitMethod.values)
    if unknown or not chosen:
        raise ValidationError(_("请至少选择一种检查方式。"), code="methods")
    return {
        "method_forum": VisitMethod.FORUM in chosen,
        "method_documents": VisitMethod.DOCUMENTS in chosen,
        "method_onsite": VisitMethod.ONSITE in chosen,
    }


# Findings in one visit record: the web formset's limit, held here for every caller.
MAX_FINDINGS_PER_VISIT = 50


def _clean_findings(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    findings = list(findings)
    if len(findings) > MAX_FINDINGS_PER_VISIT:
        raise ValidationError(
            _("一次检查最多记录 %(max)d 条发现。"), params={"max": MAX_FINDINGS_PER_VISIT}, code="too_many_findings"
        )
    cleaned = []
    for finding in findings:
        kind, text = finding.get("kind"), (finding.get("text") or "").strip()
        if kind not in FindingKind.values or not text:
            raise ValidationError(_("每条发现都需要类型和内容。"), code="finding")
        cleaned.append({"id": finding.get("id"), "kind": kind, "text": text})
    return cleaned


def _save_attachments(
    *, visit: SiteVisit, checked: list[tuple[object, CheckedUpload]], actor: User
) -> list[VisitAttachment]:
    saved = []
    for uploaded, info in checked:
        attachment = VisitAttachment(visit=visit, uploaded_by=actor)
        attachment.store(uploaded=uploaded, checked=info, prefix="visits")
        saved.append(attachment)
    return saved


def _geo(latitude: Decimal | None, longitude: Decimal | None) -> dict[str, Decimal | None]:
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("经纬度需同时填写，或同时留空。"), code="geo_pair")
    return {"latitude": latitude, "longitude": longitude}


@transaction.atomic
def site_visit_create(
    *,
    actor: User,
    project: Project,
    visited_on: dt.date,
    place: str,
    methods: Iterable[str],
    summary: str,
    participants: str = "",
    is_recheck: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    findings: Iterable[dict[str, Any]] = (),
    files: Sequence[UploadedFile[Any]] = (),
    device: dict[str, Any] | None = None,
) -> SiteVisit:
    """Record a visit with its findings and files. Only an inspector of the project may; every
    file is checked before anything is saved, so a refused file leaves no half-made visit.
    `device` (device_id, device_digest, device_photo_count) is set by site_visit_record_draft."""
    _require_inspector(actor=actor, project_id=project.pk)
    _refuse_future(visited_on)
    checked = check_uploads(files)
    rows = _clean_findings(findings)
    visit = SiteVisit.objects.create(
        **(device or {}),
        project=project,
        visited_on=visited_on,
        place=place.strip(),
        participants=participants.strip(),
        summary=summary.strip(),
        is_recheck=is_recheck,
        created_by=actor,
        **_method_flags(methods),
        **_geo(latitude, longitude),
    )
    visit.inspectors.add(actor)
    Finding.objects.bulk_create(
        Finding(visit=visit, kind=row["kind"], text=row["text"], position=index) for index, row in enumerate(rows)
    )
    _save_attachments(visit=visit, checked=checked, actor=actor)
    return visit


@transaction.atomic
def site_visit_update(
    *,
    visit: SiteVisit,
    actor: User,
    expected_version: int,
    visited_on: dt.date,
    place: str,
    methods: Iterable[str],
    summary: str,
    participants: str = "",
    is_recheck: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    findings: Iterable[dict[str, Any]] = (),
    files: Sequence[UploadedFile[Any]] = (),
) -> SiteVisit:
    """Edit a visit if nobody saved it since `expected_version` (else StaleEditError). Findings
    with an id are edited unless they already became an issue; rows without an id are added;
    files are added. Nothing is removed."""
    _require_inspector(actor=actor, project_id=visit.project_id)
    _refuse_future(visited_on)
    checked = check_uploads(files)
    rows = _clean_findings(findings)
    added = sum(1 for row in rows if not row["id"])
    if added and visit.findings.count() + added > MAX_FINDINGS_PER_VISIT:
        raise ValidationError(
            _("一次检查最多记录 %(max)d 条发现。"), params={"max": MAX_FINDINGS_PER_VISIT}, code="too_many_findings"
        )
    values = {
        "visited_on": visited_on,
        "place": place.strip(),
        "participants": participants.strip(),
        "summary": summary.strip(),
        "is_recheck": is_recheck,
        **_method_flags(methods),
        **_geo(latitude, longitude),
    }
    updated = SiteVisit.objects.filter(pk=visit.pk, version=expected_version, is_archived=False).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        differences = describe_differences(visit, values)
        message = _("这条检查记录已被他人修改或作废。请刷新页面查看最新内容后再修改。")
        if differences:
            message = f"{message}{_('他人保存的内容：')}{'；'.join(differences)}"
        raise StaleEditError(message, code="stale")
    existing = {f.pk: f for f in visit.findings.select_related("issue")}
    position = max((f.position for f in existing.values()), default=-1) + 1
    for row in rows:
        if row["id"]:
            finding = existing.get(row["id"])
            if finding is None:
                raise ValidationError(_("要修改的发现不属于这条检查记录。"), code="finding")
            if (finding.kind, finding.text) == (row["kind"], row["text"]):
                continue
            if getattr(finding, "issue", None) is not None:
                raise ValidationError(_("已交办的发现不能再修改。"), code="finding_handed_off")
            Finding.objects.filter(pk=finding.pk).update(kind=row["kind"], text=row["text"])
        else:
            Finding.objects.create(visit=visit, kind=row["kind"], text=row["text"], position=position)
            position += 1
    visit.inspectors.add(actor)
    _save_attachments(visit=visit, checked=checked, actor=actor)
    visit.refresh_from_db()
    return visit


@transaction.atomic
def site_visit_archive(*, visit: SiteVisit, actor: User, expected_version: int) -> SiteVisit:
    """作废: hide a mistaken visit (kept in the database). Refused once an issue came from it."""
    _require_inspector(actor=actor, project_id=visit.project_id)
    if visit_has_issues(visit=visit):
        raise ValidationError(_("这条检查记录已有交办问题，不能作废。"), code="has_issues")
    updated = SiteVisit.objects.filter(pk=visit.pk, version=expected_version, is_archived=False).update(
        is_archived=True, version=F("version") + 1
    )
    if updated != 1:
        raise StaleEditError(_("这条检查记录已被他人修改或作废。请刷新页面查看最新内容后再操作。"), code="stale")
    visit.refresh_from_db()
    return visit


# --- offline drafts -------------------------------------------------------------------------------


def _draft_digest(*, project: Project, photo_count: int, **values: Any) -> str:
    """What a draft said, canonically: the same draft sent again hashes the same, whatever the
    whitespace around its texts or the order of its methods."""

    def text(value: str | None) -> str:
        return (value or "").strip()

    def coordinate(value: Decimal | float | None) -> str | None:
        return None if value is None else f"{Decimal(value):.6f}"

    canonical = {
        "project": project.pk,
        "visited_on": values["visited_on"].isoformat(),
        "place": text(values["place"]),
        "methods": sorted({str(m) for m in values["methods"]}),
        "summary": text(values["summary"]),
        "participants": text(values.get("participants")),
        "is_recheck": bool(values.get("is_recheck")),
        "latitude": coordinate(values.get("latitude")),
        "longitude": coordinate(values.get("longitude")),
        "findings": [[f.get("kind"), text(f.get("text"))] for f in values.get("findings", ())],
        "photo_count": photo_count,
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _replay(visit: SiteVisit, digest: str) -> SiteVisit:
    if visit.device_digest != digest:
        raise DeviceDraftConflict(
            _(
                "这个离线草稿编号已同步为另一条内容不同的检查记录，不能用不同的内容再次提交。请在草稿中核对后另存为新草稿。"
            ),
            code="device_id_conflict",
        )
    return visit


def site_visit_record_draft(
    *, actor: User, device_id: uuid.UUID, photo_count: int, project: Project, **values: Any
) -> tuple[SiteVisit, bool]:
    """Record an offline draft exactly once. The first send creates the visit with its findings
    (as site_visit_create) and answers (visit, True); the same draft sent again — after a lost
    answer, from a second tab, concurrently — answers (the first visit, False) and changes
    nothing, even if the sender has lost the project since. The same device id with other
    content raises DeviceDraftConflict. Photos follow one by one through visit_photo_put."""
    digest = _draft_digest(project=project, photo_count=photo_count, **values)
    existing = visit_get_by_device_id(user=actor, device_id=device_id)
    if existing is not None:
        return _replay(existing, digest), False
    device = {"device_id": device_id, "device_digest": digest, "device_photo_count": photo_count}
    try:
        with transaction.atomic():
            return site_visit_create(actor=actor, project=project, device=device, **values), True
    except IntegrityError:
        # A concurrent send of the same draft committed first: answer with its visit.
        existing = visit_get_by_device_id(user=actor, device_id=device_id)
        if existing is None:
            raise
        return _replay(existing, digest), False


def _sha256(uploaded: UploadedFile[bytes]) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _photo_replay(attachment: VisitAttachment, digest: str) -> VisitAttachment:
    if attachment.sha256 != digest:
        raise DeviceDraftConflict(
            _("这条检查记录的第 %(number)d 张草稿照片已上传为另一张照片，不能替换。"),
            params={"number": (attachment.device_index or 0) + 1},
            code="photo_conflict",
        )
    return attachment


def visit_photo_require_recorder(*, visit: SiteVisit, actor: User) -> None:
    """PermissionDenied unless the actor recorded the visit and still inspects its project."""
    if visit.created_by_id != actor.pk:
        raise PermissionDenied(_("只有记录人可以上传这条检查记录的草稿照片。"))
    _require_inspector(actor=actor, project_id=visit.project_id)


def visit_photo_put(
    *, visit: SiteVisit, actor: User, index: int, upload: UploadedFile[bytes]
) -> tuple[VisitAttachment, bool]:
    """Store photo number `index` of the draft the visit came from, once: sending the same photo
    again answers (the stored attachment, False); another photo at that index raises
    DeviceDraftConflict. Only the visit's recorder, still an inspector of the project, may."""
    visit_photo_require_recorder(visit=visit, actor=actor)
    if visit.device_photo_count is None or not 0 <= index < visit.device_photo_count:
        raise ValidationError(_("照片序号不属于这条检查记录的离线草稿。"), code="photo_index")
    ((uploaded, info),) = check_uploads([upload])
    if not info.is_image:
        raise ValidationError(_("草稿照片只能是 jpg、png 或 webp 图片。"), code="photo_type")
    digest = _sha256(upload)
    existing = visit.attachments.filter(device_index=index).first()
    if existing is not None:
        return _photo_replay(existing, digest), False
    attachment = VisitAttachment(visit=visit, uploaded_by=actor, device_index=index, sha256=digest)
    try:
        with transaction.atomic():
            attachment.store(uploaded=uploaded, checked=info, prefix="visits")
    except IntegrityError:
        attachment.file.delete(save=False)  # the bytes written for the row that lost the race
        existing = visit.attachments.filter(device_index=index).first()
        if existing is None:
            raise
        return _photo_replay(existing, digest), False
    return attachment, True
