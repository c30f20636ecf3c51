"""The API takes no more than the web does: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused with
413, JSON nested deeper than DUDAO_API_MAX_JSON_DEPTH or with more values than
DATA_UPLOAD_MAX_NUMBER_FIELDS with 400, always in the API's error shape, never a 500."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings

from core.parsers import JSONParser, RequestTooLarge
from issues.models import Issue

pytestmark = pytest.mark.django_db
URL = "/api/v1/issues/"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def _hand_off_payload(world, **changes) -> dict:
    return {
        "project": world.project.pk,
        "category": "work_style",
        "severity": "normal",
        "title": "审批推诿",
        "description": "企业反映审批推诿。",
        "lead_department": world.lead_department.pk,
        **changes,
    }


def test_a_nine_mib_description_is_refused_with_413(world, client_as):
    description = "督" * (3 * 1024 * 1024)  # 9 MiB in UTF-8
    response = client_as("inspector").post(URL, _hand_off_payload(world, description=description), format="json")
    body = _error(response, 413, "too_large")
    assert "MiB" in body["message"]
    assert not Issue.objects.exists()


def test_a_body_just_under_the_limit_is_read(world, client_as):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 2000)
    response = client_as("inspector").post(URL, _hand_off_payload(world, description=padding), format="json")
    assert response.status_code != 413  # read and validated like any other body


def test_a_body_without_a_length_is_cut_at_the_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(RequestTooLarge):
        JSONParser().parse(io.BytesIO(json.dumps({"a": "x" * 200}).encode()), parser_context={})


def test_json_nested_5000_deep_is_refused_with_400(world, client_as):
    body = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client_as("inspector").post(URL, body, content_type="application/json")
    assert "嵌套" in _error(response, 400, "parse_error")["message"]


def test_json_a_little_deeper_than_the_limit_is_refused_too(world, client_as):
    depth = settings.DUDAO_API_MAX_JSON_DEPTH
    body = json.dumps(_hand_off_payload(world, title=json.loads("[" * depth + "]" * depth)))
    response = client_as("inspector").post(URL, body, content_type="application/json")
    _error(response, 400, "parse_error")


def test_json_with_more_values_than_a_form_may_have_fields_is_refused(world, client_as):
    payload = _hand_off_payload(world, assisting_departments=[world.assisting_department.pk] * 1001)
    response = client_as("inspector").post(URL, payload, format="json")
    assert "1000" in _error(response, 400, "parse_error")["message"]


def test_a_multipart_text_over_the_limit_is_refused_in_the_api_shape(world, client_as, settings):
    issue = world.hand_off()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client_as("lead_liaison").post(
        f"/api/v1/issues/{issue.pk}/updates/", {"text": "进" * 2000, "percent": 40}, format="multipart"
    )
    _error(response, 413, "too_large")


def test_a_malformed_body_is_a_400_in_the_api_shape(world, client_as):
    response = client_as("inspector").post(URL, b'{"title": "\xff', content_type="application/json")
    _error(response, 400, "parse_error")
