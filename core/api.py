"""What every API endpoint shares: one error shape, pagination, authentication.

Every error answers {"error": {"code", "message", "fields": {name: [messages]}}} whatever raised
it, so a client (OA, the 12345 hotline, the mobile app) needs one parser. A service's refusal
(core.errors.ServiceError, whatever app raised it) is rendered here once, with its own status and
code (core knows no domain: the error carries them).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re

import django_filters
from django import forms
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.dataversion import CALLER, data_versions, versions_key
from core.db import is_unique_violation
from core.errors import ServiceError
from core.parsers import request_too_large
from core.text import reject_control_characters
from core.throttling import RefusedTokenThrottle

logger = logging.getLogger(__name__)

# A cached token user is keyed by the data version, so it is never stale; the time-out only frees
# memory from tokens nobody presents again.
TOKEN_CACHE_SECONDS = 600

# Router lookups accept any segment, so a malformed id (say "1.5") reaches the view and gets the
# JSON 404 instead of Django's HTML page for an unknown URL.
API_LOOKUP = "[^/]+"


class ApiConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("数据已被他人修改，请刷新后重试。")
    default_code = "conflict"


class ApiUnavailable(exceptions.APIException):
    """The database went away mid-request (a restart, a dropped connection). Writes run in one
    transaction with their answer (core.idempotency), so nothing was saved: the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("服务暂时不可用，请稍后重试。")
    default_code = "unavailable"
    wait = 5  # Retry-After, seconds


class ApiForbidden(exceptions.PermissionDenied):
    """A forbidden action carrying its own machine code (e.g. transition_not_allowed)."""

    def __init__(self, detail=None, code=None):
        super().__init__(detail, code)
        self.error_code = code or self.default_code


class ApiInvalid(exceptions.ValidationError):
    """400 with the message under one field: what a service's IssueInvalidInput becomes."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__({field or "non_field_errors": [message]})


# --- errors -------------------------------------------------------------------------------


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors (lists of dicts for nested serializers); clients get 'a.0.b': [msgs]."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        messages = [str(item) for item in detail if not isinstance(item, (dict, list))]
        if messages:
            fields[prefix or "non_field_errors"] = messages
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)) and item:
                fields.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _code_of(exc: exceptions.APIException) -> str:
    error_code: str | None = getattr(exc, "error_code", None)  # set by our own APIException subclasses
    if error_code:
        return error_code
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


class ApiServiceError(exceptions.APIException):
    """A service's refusal (core.errors.ServiceError) with the status and code it carries."""

    def __init__(self, error: ServiceError):
        super().__init__(str(error))
        self.status_code = error.http_status
        self.error_code = error.code


def api_error_of(error: ServiceError) -> exceptions.APIException:
    """How the API answers a service's refusal: 400 puts the message under its field (as a
    serializer's error would be), any other status answers with the error's own code."""
    if error.http_status == status.HTTP_400_BAD_REQUEST:
        return ApiInvalid(str(error), field=error.field)
    return ApiServiceError(error)


def error_body(*, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    """REST_FRAMEWORK['EXCEPTION_HANDLER']: every handled error in the one shape."""
    # Imported here: rest_framework.views imports the authentication classes of this module.
    from rest_framework.views import set_rollback

    if isinstance(exc, ServiceError):
        exc = api_error_of(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到该对象，或您无权查看。"))
    elif isinstance(exc, RequestDataTooBig):  # a form or multipart body over the web's limit
        exc = request_too_large()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(_("提交的字段过多。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError) and is_unique_violation(exc):
        # A check-then-insert lost a race the service did not name: still a conflict, not a crash.
        exc = ApiConflict(_("该记录已被他人同时创建或修改，请刷新后重试。"))
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable during an API request", exc_info=exc)
        exc = ApiUnavailable()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django answer 500 and log it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.get("non_field_errors")
        message = general[0] if general and len(fields) == 1 else _("输入有误，请检查标出的字段。")
    elif isinstance(exc, exceptions.Throttled):
        fields = {}
        message = _("请求过于频繁，请在 %(seconds)d 秒后再试。") % {"seconds": math.ceil(exc.wait or 1)}
    else:
        fields = {}
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else str(exc.default_detail)
    view = context.get("view")
    if not getattr(type(view), "non_atomic_requests", False):
        # Undo the request's transaction (ATOMIC_REQUESTS). A view that runs outside it must not
        # mark whatever transaction encloses the request (a test's, say) as failed.
        set_rollback()
    return Response(
        error_body(code=_code_of(exc), message=message, fields=fields), status=exc.status_code, headers=headers
    )


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="机器可读的错误代码 / machine-readable code, e.g. invalid, not_found, conflict"
    )
    message = serializers.CharField(help_text="给用户看的说明（中文优先）/ human-readable message")
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields": the stubs know only Serializer.fields
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段错误，键为字段名 / field errors by field name",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_ERROR_TEXT = {
    400: "输入有误 / invalid input",
    401: "未登录或令牌无效 / not authenticated",
    403: "无权执行此操作 / forbidden action",
    404: "对象不存在或不在您的范围内 / not found or outside your scope",
    409: "并发冲突或版本过期 / conflict or stale version",
    413: "上传内容过大 / upload too large",
    429: "请求过于频繁 / too many requests",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the error statuses an endpoint can answer (400 and 401 always)."""
    wanted = sorted({400, 401, *codes})  # 400: an unknown or malformed query parameter
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[code]) for code in wanted}


# --- pagination ---------------------------------------------------------------------------


class DudaoPagination(PageNumberPagination):
    """?page=N&page_size=M, M capped at 200. A malformed page_size is an error, not ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [_("每页条数应为 1 到 200 之间的整数。")]})
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, 1)
        if raw in self.last_page_strings:
            return raw
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise exceptions.ValidationError({self.page_query_param: [_("页码应为正整数。")]})
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "integer", "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    "每页条数，超过 200 按 200 计 / results per page, values above 200 count as 200"
                )
            else:
                parameter["description"] = "页码 / page number"
        return parameters


# --- authentication -----------------------------------------------------------------------


def _token_cache_key(key: str, version: int | str) -> str:
    # Hashed so raw tokens never sit in a cache's key space.
    return f"api-token:{hashlib.sha256(key.encode()).hexdigest()}:v{version}"


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, with the user (and its roles) cached under the committed data
    version (core/dataversion.py) so a system polling the API does not pay a token query and a
    roles query on every request. Revoking a token, deactivating its user or changing the user's
    roles or department moves the version at commit: every process refuses the revoked token, or
    reads the new scope, on its very next request. Without a data version (SQLite), no cache."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # no token: another authentication (the session) may apply
        refused = RefusedTokenThrottle()
        if refused.exhausted(request):
            raise exceptions.Throttled(refused.wait())
        self.data_version = versions_key(data_versions(request), CALLER)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            refused.record_refusal()
            raise

    def authenticate_credentials(self, key):
        version = getattr(self, "data_version", None)
        if version is None:
            return super().authenticate_credentials(key)
        cache_key = _token_cache_key(key, version)
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
        user, token = super().authenticate_credentials(key)
        user.role_names  # noqa: B018 — computed now so the cached copy carries it
        cache.set(cache_key, (user, token), TOKEN_CACHE_SECONDS)
        return user, token


# --- strict query strings -----------------------------------------------------------------


MAX_ID = 2**31 - 1  # the id columns' range; a bigger number is malformed, not "no such row"


class StrictIntegerField(forms.IntegerField):
    """An id: digits only, 1..MAX_ID. Django's IntegerField would take "1.0" and "１" silently."""

    def to_python(self, value):
        if value is None:  # parameter absent
            return None
        text = str(value).strip()
        if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= MAX_ID:
            raise forms.ValidationError(_("请输入有效的编号（正整数）。"), code="invalid")
        return int(text)


class StrictBooleanField(forms.Field):
    """true or false (as the schema says); anything else is an error, not silently "no filter"."""

    TRUE, FALSE = ("true",), ("false",)

    def to_python(self, value):
        if value is None:  # parameter absent; present but empty is an error like any other
            return None
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise forms.ValidationError(_("请输入 true 或 false。"), code="invalid")


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = StrictIntegerField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictQueryParamsMixin:
    """A query parameter the endpoint does not know is a 400, not silently ignored: a typo in a
    filter name must not return the unfiltered list as if it were the answer."""

    extra_query_params: tuple[str, ...] = ()

    def known_query_params(self) -> set[str]:
        known = set(self.extra_query_params)
        if getattr(self, "action", None) != "list":
            return known
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        for backend in getattr(self, "filter_backends", ()):
            if issubclass(backend, OrderingFilter):
                known.add(backend.ordering_param)
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            known |= {paginator.page_query_param, paginator.page_size_query_param}
        return known

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, request.method.lower(), None) is None:
            return  # an unsupported method: let DRF answer 405
        errors = {name: [_("不支持的查询参数。")] for name in set(request.query_params) - self.known_query_params()}
        # Present but empty is not "no filter" for a typed parameter (id, choice, date, boolean,
        # month, ordering): only free text may be empty.
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and getattr(self, "action", None) == "list":
            for name, value in request.query_params.items():
                declared = filterset_class.base_filters.get(name)
                # typed: an id, choice, date or boolean, or a string documented with a pattern
                typed = not isinstance(declared, django_filters.CharFilter) or hasattr(
                    declared, "_spectacular_annotation"
                )
                if value == "" and declared is not None and typed:
                    errors[name] = [_("该参数不能为空。")]
        if errors:
            raise exceptions.ValidationError(dict(sorted(errors.items())))


# --- strict JSON input types --------------------------------------------------------------
# DRF coerces freely (105 -> "105", "8" -> 8, "yes" -> True). A JSON client that sends the wrong
# type has a bug; it is told so (400) instead of having its value silently converted.


class JsonCharField(serializers.CharField):
    """A JSON string (not a number or a list), free of control characters (core.text)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(reject_control_characters)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class JsonPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class JsonDecimalField(serializers.DecimalField):
    """A JSON number (documented as one: coerce_to_string=False), not a numeric string."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)
