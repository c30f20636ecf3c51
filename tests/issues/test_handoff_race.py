"""Two inspectors hand off the same finding at the same moment (issue 14, finding 11): both pass the
"not handed off yet" check, the unique source_finding lets one through, and the other is told so —
409 in the API's error shape, a message on the web form — instead of a 500 IntegrityError."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.workdays import add_working_days
from issues.models import Issue
from tests.factories import FindingFactory, SiteVisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACE_MESSAGE = "该检查发现刚刚已由他人交办为问题"


@pytest.fixture
def finding(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    visit = SiteVisitFactory(project=world.project, created_by=world.inspector)
    return FindingFactory(visit=visit)


@pytest.fixture
def both_past_the_check(monkeypatch):
    """Holds each hand-off just before its INSERT until both have checked that the finding has no
    issue yet: the interleaving a real double submit produces."""
    barrier = threading.Barrier(2, timeout=20)
    real_save = Issue.save

    def save(self, *args, **kwargs):
        if self.pk is None and self.source_finding_id is not None:
            barrier.wait()
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Issue, "save", save)


def _race(*calls):
    answers = []

    def run(call):
        close_old_connections()
        try:
            answers.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == len(calls), "a request crashed instead of answering"
    return answers


def test_the_api_answers_409_to_the_second_of_two_concurrent_hand_offs(world, finding, both_past_the_check):
    clients = []
    for user in (world.inspector, world.group_lead):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        clients.append(client)
    body = {
        "project": world.project.pk,
        "title": "林地审批迟缓",
        "description": "企业反映林地报批材料多次退回。",
        "category": "business_environment",
        "lead_department": world.lead_department.pk,
        "source_finding": finding.pk,
    }
    answers = _race(*(lambda c=client: c.post("/api/v1/issues/", body, format="json") for client in clients))
    assert sorted(answer.status_code for answer in answers) == [201, 409], [a.content for a in answers]
    lost = next(answer for answer in answers if answer.status_code == 409).json()
    assert set(lost) == {"error"} and lost["error"]["code"] == "conflict"
    assert RACE_MESSAGE in lost["error"]["message"]
    assert Issue.objects.filter(source_finding=finding).count() == 1


def test_the_web_form_shows_a_message_to_the_second_of_two_concurrent_hand_offs(world, finding, both_past_the_check):
    start = dt.date.today() + dt.timedelta(days=1)
    data = {
        "project": world.project.pk,
        "title": "林地审批迟缓",
        "description": "企业反映林地报批材料多次退回。",
        "category": "business_environment",
        "severity": "general",
        "lead_department": world.lead_department.pk,
        "sign_deadline": add_working_days(start, 2).isoformat(),
        "rectification_deadline": add_working_days(start, 20).isoformat(),
        "source_finding": finding.pk,
    }
    clients = []
    for user in (world.inspector, world.group_lead):
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = f"{reverse('issues:create')}?finding={finding.pk}"
    answers = _race(*(lambda c=client: c.post(url, data) for client in clients))
    assert sorted(answer.status_code for answer in answers) == [200, 302]
    page = next(answer for answer in answers if answer.status_code == 200).content.decode()
    assert RACE_MESSAGE in page
    assert "林地审批迟缓" in page  # what was typed is kept
    assert Issue.objects.filter(source_finding=finding).count() == 1
