"""Safe retries for the API's writes that create something: the `Idempotency-Key` header.

A client that lost the answer to a POST (timeout, dropped connection) sends it again with the same
key and gets the first answer — same status, same body — instead of a second issue and a second
round of notices. The same key with another body (or for another operation) is refused with 409.

How it holds under concurrency: the key row is inserted FIRST, in the transaction that then runs
the write and builds the answer, and the unique (user, key) constraint decides. A second request
with the same key blocks on that insert until the first transaction ends: if it committed, the
second reads the stored answer; if it rolled back (an error answer), the second runs the write
itself. So the write, its notices and the stored answer commit together or not at all, and an
error answer is never stored: a client may fix its request and retry under the same key.

Every decorated write runs in one transaction and builds its answer inside it, key or no key, so a
committed write is never followed by a failing re-read (a dropped connection there rolls back and
answers 503 — core.api — which the client may retry).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api import ApiConflict, ApiInvalid
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
# A retry comes within minutes; a week covers a client that was offline over a weekend. Older keys
# are purged daily (core.tasks.purge_idempotency_keys) and may then be used again.
KEEP_DAYS = 7
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,255}$"
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN,
    description="幂等键（建议用 UUID）。同一用户以同一键重发相同请求，返回首次的应答（状态和内容相同，应答头 "
    "Idempotent-Replayed: true），不会重复创建；同一键配不同的请求内容返回 409。出错的请求不占用该键。键保留 7 天。"
    "/ Send a fresh key (a UUID) with each new write; a retry with the same key and body answers the first "
    "result without running the write again, the same key with another body answers 409. An error answer "
    "does not use up the key. Keys are kept for 7 days.",
)


def _key_of(request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not re.fullmatch(KEY_PATTERN, raw):
        raise ApiInvalid(
            _("幂等键应为 1 到 255 个字符，只含字母、数字和 _ . : -。"),
            field=HEADER,
        )
    return raw


def _value_digest(value) -> object:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the view reads the file again
        return {"file": value.name, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(request) -> str:
    """The body as parsed, not as sent: a client re-encoding a retry (a new multipart boundary, keys
    in another order) still sends the same request. Files count by their content."""
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: every value of every field, files by content
        data = {name: [_value_digest(value) for value in values] for name, values in data.lists()}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyKey, *, operation: str, fingerprint: str) -> Response:
    if record.operation != operation or record.request_hash != fingerprint:
        raise ApiConflict(
            _("该幂等键已用于另一个请求（内容或地址不同）。新的请求请使用新的幂等键。"),
            code="idempotency_key_reused",
        )
    return Response(record.response_body, status=record.response_status, headers={REPLAYED_HEADER: "true"})


def idempotent(view_method):
    """For an API view method that creates something: runs it in one transaction that also builds
    the answer and, with an Idempotency-Key, stores that answer (see the module docstring).
    Safe methods of the same view (a GET beside the POST) pass straight through."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        if request.method in SAFE_METHODS:
            return view_method(view, request, *args, **kwargs)
        key = _key_of(request)
        if key is None:
            with transaction.atomic():
                return view_method(view, request, *args, **kwargs)
        operation = f"{request.method} {request.path}"[:300]
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user, key=key, operation=operation, request_hash=fingerprint
                    )
            except IntegrityError:  # a request under this key committed first (or just now)
                record = IdempotencyKey.objects.get(user=request.user, key=key)
                return _replay(record, operation=operation, fingerprint=fingerprint)
            response = view_method(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)  # an error answer is not kept: the key stays free
                return response
            # Stored as the client will read it: rendered to JSON and back.
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper


def idempotency_keys_purge(*, keep_days: int = KEEP_DAYS) -> int:
    """Delete the keys older than `keep_days` (stored answers a retry can no longer need)."""
    deleted, _counts = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=keep_days)
    ).delete()
    return deleted
