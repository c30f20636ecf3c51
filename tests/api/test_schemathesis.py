"""schemathesis against a live server: every operation of the OpenAPI schema, every check.

Runs the `st` CLI in a subprocess against pytest-django's live_server with a real token of a
world user (an inspector of group A) and data to reach: issues in several states, a visit with a
finding, a meeting, notifications. Path ids point at those rows so tests get past the 404s.
Bounded: at most MAX_EXAMPLES cases per operation, so CI stays fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dispatch.models import DispatchMeeting
from issues import services
from tests.factories import FindingFactory, SiteVisitFactory

MAX_EXAMPLES = int(os.environ.get("DUDAO_SCHEMATHESIS_EXAMPLES", "10"))
BASE_CONFIG = Path(__file__).with_name("schemathesis.toml")


def _st_binary() -> str:
    found = Path(sys.executable).with_name("st")
    return str(found) if found.exists() else (shutil.which("st") or "st")


def _config(tmp_path: Path, *, issue_id: int, visit_id: int, meeting_id: int, notification_id: int) -> Path:
    ids = {
        "/api/v1/issues/": issue_id,
        "/api/v1/visits/": visit_id,
        "/api/v1/meetings/": meeting_id,
        "/api/v1/notifications/": notification_id,
    }
    extra = "".join(
        f'\n[[operations]]\ninclude-path-regex = "^{prefix}\\\\{{id\\\\}}/"\nparameters = {{ "path.id" = {pk} }}\n'
        for prefix, pk in ids.items()
    )
    month = timezone.localdate().strftime("%Y-%m")
    extra += (
        f'\n[[operations]]\ninclude-path-regex = "^/api/v1/summaries/"\nparameters = {{ "path.yyyy_mm" = "{month}" }}\n'
    )
    path = tmp_path / "schemathesis.toml"
    path.write_text(BASE_CONFIG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.mark.django_db(transaction=True)
def test_schemathesis_all_operations_all_checks(world, live_server, tmp_path):
    issue = world.hand_off()
    working = world.hand_off(title="用电报装迟缓")
    services.issue_sign(issue=working, actor=world.lead_liaison)
    services.issue_progress_add(issue=working, actor=world.lead_liaison, text="已勘察线路", percent=30)
    submitted = world.hand_off(title="环评批复滞后")
    services.issue_sign(issue=submitted, actor=world.lead_liaison)
    services.issue_submit(issue=submitted, actor=world.lead_liaison, note="已完成")  # notifies the inspector
    visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
    FindingFactory(visit=visit)
    meeting = DispatchMeeting.objects.create(
        group=world.group,
        month=timezone.localdate().replace(day=1),
        title="11月调度会",
        starts_at=timezone.now(),
        place="会议室",
    )
    notification = world.inspector.notifications.first()
    token = Token.objects.create(user=world.inspector)

    config = _config(
        tmp_path, issue_id=issue.pk, visit_id=visit.pk, meeting_id=meeting.pk, notification_id=notification.pk
    )
    # The schema is served to signed-in callers only: fetch it with the token, hand st the file.
    schema = APIClient()
    schema.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = schema.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema_file = tmp_path / "openapi.json"
    schema_file.write_bytes(response.content)
    command = [
        _st_binary(),
        "--config-file",
        str(config),
        "run",
        str(schema_file),
        "--url",
        live_server.url,
        "--header",
        f"Authorization: Token {token.key}",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261126",
        "--no-shrink",
        "--request-timeout",
        "20",
        # One worker: hypothesis describes lambdas with ast.parse, which races in threads (SystemError).
        "--workers",
        "1",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert "Server error" not in output
    assert "Exception in thread" not in output, output[-4000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested, output[-4000:]
    assert int(tested.group(1)) == int(selected.group(2)) >= 20  # every operation of the schema ran
