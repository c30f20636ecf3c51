"""The API caches a token's user under the committed data version: a revocation, a deactivation or
a change of roles or department is seen by every process on its next request, with nothing cleared
by hand; and an unchanged token costs no query."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts.api_tokens import api_token_revoke
from accounts.roles import Role
from accounts.services import user_deactivate
from core.dataversion import data_version
from tests.api.conftest import ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("versioned_cache")]
ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/issues/"


def _token_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "authtoken_token" in q["sql"]]


def test_an_unchanged_token_is_read_once(world, client_as):
    world.hand_off()
    client = client_as("lead_liaison")
    assert len(_token_queries(client)) == 1
    assert _token_queries(client) == []


def test_revoking_a_token_refuses_it_at_once(world, client_as):
    client = client_as("lead_liaison")
    assert client.get(URL).status_code == 200
    api_token_revoke(user=world.lead_liaison)
    response = client.get(URL)
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"


def test_a_token_deleted_in_the_admin_is_refused_at_once(world, client_as):
    client = client_as("inspector")
    assert client.get(URL).status_code == 200
    Token.objects.filter(user=world.inspector).delete()  # what the admin's delete does
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize("how", ["service", "update"])
def test_a_deactivated_users_token_is_refused_at_once(world, client_as, how):
    client = client_as("inspector")
    assert client.get(URL).status_code == 200
    if how == "service":
        user_deactivate(user=world.inspector)
    else:  # any other way, the token left in place
        type(world.inspector).objects.filter(pk=world.inspector.pk).update(is_active=False)
    assert client.get(URL).status_code == 401


def test_losing_a_role_takes_its_scope_away_at_once(world, client_as):
    mine = world.hand_off()
    client = client_as("inspector")
    assert ids(client.get(URL)) == {mine.pk}
    world.inspector.groups.remove(Group.objects.get(name=Role.INSPECTOR))
    world.inspector.groups.add(Group.objects.get(name=Role.LIAISON))  # and gaining another
    assert ids(client.get(URL)) == set()


def test_a_sign_in_does_not_move_the_version(world):
    before = data_version()
    world.leader.save(update_fields=["last_login"])
    world.leader.full_name = "新名字"
    world.leader.save()
    assert data_version() == before


def test_a_token_revoked_by_another_process_is_refused_here_at_once(world, client_as):
    """Two workers: this process caches the token's user; another process (a separate Python with
    its own local cache, as a second gunicorn worker has) revokes the token; the next request here
    is refused, without waiting for any time-out."""
    client = client_as("lead_liaison")
    assert client.get(URL).status_code == 200
    assert _token_queries(client) == []  # cached here

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from accounts.api_tokens import api_token_revoke
        from accounts.models import User
        print(api_token_revoke(user=User.objects.get(pk={world.lead_liaison.pk})))
        """
    )
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0 and other.stdout.strip() == "True", other.stderr

    assert client.get(URL).status_code == 401
