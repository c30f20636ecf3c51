"""Upload validation shared by visit photos and issue evidence.

The type is decided by the file's first bytes, never by its name; the name only has to agree.
Storage names are chosen by the server so a user cannot pick a path or overwrite a file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# extension -> MIME types the magic bytes may report for it
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "webp": ("image/webp",),
    "pdf": ("application/pdf",),
    # docx/xlsx are zip containers: the magic bytes say zip, the parts inside say which (checked below).
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "webp"}


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    size: int
    original_name: str

    @property
    def is_image(self) -> bool:
        return self.extension in IMAGE_EXTENSIONS


def _zip_member_names(uploaded) -> set[str]:
    import zipfile

    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            return set(archive.namelist())
    except zipfile.BadZipFile:
        return set()
    finally:
        uploaded.seek(0)


def _magic_types(head: bytes) -> set[str]:
    """Every MIME type the first bytes may be (puremagic lists all matching signatures)."""
    try:
        return {match.mime_type for match in puremagic.magic_string(head)}
    except puremagic.PureError:
        return set()


def validate_upload(uploaded) -> CheckedUpload:
    """Raise ValidationError (Chinese message) unless the upload is an allowed, honest file."""
    name = (getattr(uploaded, "name", "") or "").strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted({e for e in ALLOWED_TYPES if e != "jpeg"}))
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("不支持的文件类型“%(name)s”。只允许上传：%(allowed)s。") % {"name": name, "allowed": allowed},
            code="file_type",
        )
    limit = settings.DUDAO_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大（%(size)s），单个文件不能超过 %(limit)s。")
            % {"name": name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="file_size",
        )
    if uploaded.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="file_empty")
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    if not _magic_types(head) & set(ALLOWED_TYPES[extension]):
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名不符，可能已被改名或损坏，已拒绝上传。") % {"name": name},
            code="file_content",
        )
    if extension in ("docx", "xlsx"):
        marker = "word/document.xml" if extension == "docx" else "xl/workbook.xml"
        if marker not in _zip_member_names(uploaded):
            raise ValidationError(
                _("文件“%(name)s”不是有效的 %(ext)s 文档。") % {"name": name, "ext": extension.upper()},
                code="file_content",
            )
    content_type = ALLOWED_TYPES[extension][0]
    return CheckedUpload(extension=extension, content_type=content_type, size=uploaded.size, original_name=name[:200])


# Files in one upload (a visit, a progress report): the services hold every caller to it, the web
# forms and the API alike.
MAX_FILES_PER_UPLOAD = 20


def check_uploads(files) -> list[tuple[object, CheckedUpload]]:
    """Validate every file before anything is written; report all problems at once."""
    files = list(files)
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(_("一次最多上传 %(max)d 个文件。"), params={"max": MAX_FILES_PER_UPLOAD}, code="too_many")
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append((uploaded, validate_upload(uploaded)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def storage_name(prefix: str, extension: str) -> str:
    """A server-chosen, unguessable storage path such as 'evidence/2026/11/<uuid>.jpg'."""
    from django.utils import timezone

    now = timezone.localdate()
    return f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def stored_file_response(stored, *, inline: bool) -> FileResponse:
    """A stored upload (core.models.StoredFile) as the response body, for the web pages and the API
    alike; the caller has already checked the reader's right to its owner. Only images display
    inline. nosniff and a sandboxing CSP stop a crafted file acting as a page; a missing file on
    disk answers 404, not 500."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not (inline and stored.is_image),
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
