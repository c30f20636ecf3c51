"""The API reads JSON within the limits the web's forms have (settings.DATA_UPLOAD_MAX_MEMORY_SIZE
for the body, DATA_UPLOAD_MAX_NUMBER_FIELDS for the values in it), and nested no deeper than any
of its payloads needs (DUDAO_API_MAX_JSON_DEPTH). DRF's own JSONParser reads the body as a stream,
which Django's size check never sees, and a deeply nested body exhausts Python's recursion.
Refusals use the API's error shape: 413 for a body too large, 400 for one too deep or too many."""

from __future__ import annotations

import codecs
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("请求内容过大，请精简后再提交。")
    default_code = "too_large"


def request_too_large() -> RequestTooLarge:
    """The 413 with the limit in MiB, for any body over DATA_UPLOAD_MAX_MEMORY_SIZE (JSON, form or multipart)."""
    mib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return RequestTooLarge(_("请求内容超过 %(size)s MiB 的上限，请精简后再提交。") % {"size": f"{mib:g}"})


def _check_shape(data) -> None:
    """Depth and number of values, walked without recursion."""
    max_depth = settings.DUDAO_API_MAX_JSON_DEPTH
    max_values = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    values = 0
    pending = [(data, 1)]
    while pending:
        node, depth = pending.pop()
        children: Iterable[object]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise exceptions.ParseError(_("JSON 嵌套层数超过 %(depth)d 层。") % {"depth": max_depth})
        values += len(children)
        if max_values is not None and values > max_values:
            raise exceptions.ParseError(_("JSON 中的值超过 %(count)d 个。") % {"count": max_values})
        pending.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            announced = 0
        if limit is not None and announced > limit:
            raise request_too_large()  # refused before reading it
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise request_too_large()
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON 嵌套层数超过 %(depth)d 层。") % {"depth": settings.DUDAO_API_MAX_JSON_DEPTH}
            ) from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise exceptions.ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
        _check_shape(data)
        return data
