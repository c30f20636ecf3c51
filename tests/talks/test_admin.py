"""The admin shows talks, commitments and their events and changes nothing: every write goes
through talks.services with its event row."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from talks.models import Commitment, Talk, TalkEvent

pytestmark = pytest.mark.django_db


def test_talk_records_are_read_only_in_the_admin(world, talk_a):
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    for model in (Talk, Commitment, TalkEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request)


def test_the_admin_pages_open(client, world, talk_a):
    client.force_login(world.admin)
    assert client.get(reverse("admin:talks_talk_changelist")).status_code == 200
    page = client.get(reverse("admin:talks_talk_change", args=[talk_a.pk]))
    assert page.status_code == 200 and "孙局长" in page.content.decode()
