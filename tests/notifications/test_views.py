"""Inbox: own notifications only, unread/read filter, mark read, mark all read (POST), open goes
to the target; email preferences per kind (in-app always on)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import EmailPreference, Notification, NotificationKind
from notifications.services import Target, notify


def _notify(user, n: int, kind=NotificationKind.OVERDUE):
    for i in range(n):
        notify(
            kind=kind,
            target=Target(type="issue", id=i + 1, url=f"/issues/{i + 1}/"),
            recipients=[user],
            period="p",
            title=f"消息{i}",
        )


@pytest.mark.django_db
def test_inbox_lists_only_own_notifications_with_unread_filter(client, world):
    _notify(world.lead_liaison, 3)
    _notify(world.inspector, 1)
    Notification.objects.filter(recipient=world.lead_liaison, title="消息0").update(read_at="2026-11-01T00:00:00Z")
    client.force_login(world.lead_liaison)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "消息1" in page and "消息2" in page and "消息0" in page
    unread = client.get(reverse("notifications:inbox") + "?state=unread").content.decode()
    assert "消息0" not in unread and "消息1" in unread
    read = client.get(reverse("notifications:inbox") + "?state=read").content.decode()
    assert "消息0" in read and "消息1" not in read


@pytest.mark.django_db
def test_open_marks_read_and_goes_to_the_target_and_others_rows_are_404(client, world):
    _notify(world.lead_liaison, 1)
    row = Notification.objects.get()
    client.force_login(world.inspector)
    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[row.pk])).status_code == 404
    client.force_login(world.lead_liaison)
    assert client.get(reverse("notifications:mark_read", args=[row.pk])).status_code == 405
    response = client.post(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == "/issues/1/"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.django_db
def test_a_get_of_open_changes_nothing(client, world):
    _notify(world.lead_liaison, 1)
    row = Notification.objects.get()
    client.force_login(world.lead_liaison)
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


@pytest.mark.django_db
def test_the_inbox_opens_a_message_with_a_csrf_protected_post(world):
    from django.test import Client

    _notify(world.lead_liaison, 1)
    row = Notification.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead_liaison)
    page = client.get(reverse("notifications:inbox")).content.decode()
    action = f'<form method="post" action="{reverse("notifications:open", args=[row.pk])}">'
    assert action in page and f'href="{reverse("notifications:open", args=[row.pk])}"' not in page
    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 403  # no token
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("notifications:open", args=[row.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/issues/1/"


@pytest.mark.django_db
def test_mark_all_read_is_post_only_and_touches_only_own_rows(client, world):
    _notify(world.lead_liaison, 3)
    _notify(world.inspector, 2)
    client.force_login(world.lead_liaison)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), {"state": "unread"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?state=unread"
    assert not Notification.objects.filter(recipient=world.lead_liaison, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.inspector, read_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_inbox_runs_a_constant_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.lead_liaison)
    _notify(world.lead_liaison, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:inbox"))
    _notify(world.lead_liaison, 25, kind=NotificationKind.DUE_SOON)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:inbox"))


@pytest.mark.django_db
def test_email_preferences_turn_email_off_per_kind(client, world):
    client.force_login(world.lead_liaison)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "整改逾期" in page and "checked" in page
    wanted = [k for k in NotificationKind.values if k != NotificationKind.DUE_SOON]
    response = client.post(reverse("notifications:preferences"), {"email_kinds": wanted})
    assert response.status_code == 302
    assert list(
        EmailPreference.objects.filter(user=world.lead_liaison, email_enabled=False).values_list("kind", flat=True)
    ) == ["due_soon"]
    _notify(world.lead_liaison, 1, kind=NotificationKind.DUE_SOON)
    row = Notification.objects.get(recipient=world.lead_liaison)
    assert row.email_status == "skipped"  # no email, but the in-app row is there
