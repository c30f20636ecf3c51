"""One JSON error shape, 401 (not 403) for anonymous callers, token and session auth, the schema."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import assert_error

ENDPOINTS = [
    ("get", "/api/v1/projects/"),
    ("get", "/api/v1/projects/1/"),
    ("get", "/api/v1/groups/"),
    ("get", "/api/v1/visits/"),
    ("get", "/api/v1/issues/"),
    ("post", "/api/v1/issues/"),
    ("get", "/api/v1/issues/1/"),
    ("get", "/api/v1/issues/1/updates/"),
    ("post", "/api/v1/issues/1/updates/"),
    ("get", "/api/v1/issues/1/transitions/"),
    ("post", "/api/v1/issues/1/transitions/"),
    ("get", "/api/v1/meetings/"),
    ("get", "/api/v1/summaries/2026-11/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/1/read/"),
    ("post", "/api/v1/notifications/read-all/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_gets_401_with_token_challenge(method, url):
    response = getattr(APIClient(), method)(url)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    error = assert_error(client.get("/api/v1/issues/"), 401, "authentication_failed")
    assert error["fields"] == {}


def test_inactive_users_token_is_refused(world):
    token = Token.objects.create(user=world.other_liaison)
    world.other_liaison.is_active = False
    world.other_liaison.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert_error(client.get("/api/v1/issues/"), 401)


def test_session_auth_works_for_the_browser(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.leader)
    assert client.get("/api/v1/issues/").status_code == 200
    # a session write without the CSRF token is refused: a forbidden action, in the same shape
    assert_error(client.post("/api/v1/notifications/read-all/"), 403, "permission_denied")


def test_validation_error_shape_has_fields(world, client_as):
    error = assert_error(client_as("inspector").post("/api/v1/issues/", {}, format="json"), 400, "invalid")
    assert {"project", "title", "description", "category", "lead_department"} <= set(error["fields"])
    assert all(isinstance(messages, list) and messages for messages in error["fields"].values())


def test_unknown_object_is_404_in_the_shape(world, client_as):
    error = assert_error(client_as("leader").get("/api/v1/issues/999999/"), 404, "not_found")
    assert error["fields"] == {}
    assert_error(client_as("leader").get("/api/v1/issues/abc/"), 404, "not_found")


def test_malformed_json_is_400(world, client_as):
    response = client_as("inspector").post("/api/v1/issues/", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_openapi_schema_validates_without_warnings():
    """`manage.py spectacular --validate --fail-on-warn` must pass: every endpoint documented."""
    GENERATOR_STATS.reset()  # warnings of an earlier generation in this process must not count
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


@pytest.mark.django_db
def test_schema_and_offline_docs_are_served_to_signed_in_users(world, client, client_as):
    assert client.get("/api/schema/?format=json").status_code == 401
    assert client.get("/api/docs/").status_code == 401
    client = client_as("inspector")
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/issues/", "/api/v1/issues/{id}/transitions/", "/api/v1/summaries/{yyyy_mm}/"):
        assert path in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # the reference is a page of the product, generated from the schema, nothing fetched from elsewhere
    assert 'class="dd-header"' in html and "cdn" not in html.lower() and "swagger" not in html.lower()
    assert "<code>/api/v1/issues/{id}/transitions/</code>" in html and 'id="schema-DepartmentRef"' in html


def test_unknown_query_parameter_is_400_not_ignored(world, client_as):
    client = client_as("leader")
    error = assert_error(client.get("/api/v1/issues/?stauts=closed"), 400, "invalid")
    assert list(error["fields"]) == ["stauts"]
    assert_error(client.get("/api/v1/projects/?foo=1"), 400)
    assert_error(client.get("/api/v1/summaries/2026-11/?foo=1"), 400)
    assert client.get("/api/v1/summaries/2026-11/?scope=all").status_code == 200


def test_id_and_boolean_filters_are_strict(world, client_as):
    client = client_as("leader")
    assert_error(client.get("/api/v1/issues/?project=1.0"), 400)
    assert_error(client.get("/api/v1/projects/?is_archived=maybe"), 400)
    assert client.get(f"/api/v1/issues/?project={world.project.pk}").status_code == 200
    assert client.get("/api/v1/projects/?is_archived=false").status_code == 200
    # an id outside the caller's scope matches nothing, like any other value (no existence leak)
    inspector = client_as("inspector")
    assert inspector.get(f"/api/v1/issues/?project={world.other_project.pk}").json()["count"] == 0


def test_json_values_of_the_wrong_type_are_400_not_coerced(world, client_as, issue):
    client = client_as("inspector")
    url = f"/api/v1/issues/{issue.pk}/transitions/"
    for body, field in [
        ({"action": "withdraw", "note": 105}, "note"),
        ({"action": "withdraw", "note": "重复", "expected_version": "1"}, "expected_version"),
        ({"action": "extension_decide", "approve": "yes"}, "approve"),
    ]:
        error = assert_error(client.post(url, body, format="json"), 400, "invalid")
        assert field in error["fields"], error
    issue.refresh_from_db()
    assert issue.status == "handed_off"
    body = {
        "project": str(world.project.pk),
        "title": "t",
        "description": "d",
        "category": "other",
        "lead_department": world.lead_department.pk,
    }
    assert "project" in assert_error(client.post("/api/v1/issues/", body, format="json"), 400)["fields"]
