"""The audit page: leaders and admins browse per object and per user; everyone else gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

URL = "/audit/"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="audit rows are written on PostgreSQL only"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("admin", 200),
        ("inspector", 404),
        ("group_lead", 404),
        ("lead_liaison", 404),
        ("other_liaison", 404),
    ],
)
def test_only_leaders_and_admins_see_the_audit_trail(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == status


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_bad_filters_get_chinese_errors(client, world):
    client.force_login(world.leader)
    response = client.get(URL, {"object": "abc", "date_from": "2026-11-20", "date_to": "2026-11-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "对象编号应为数字" in page and "截止日期不能早于起始日期" in page


@postgres_only
@pytest.mark.django_db
def test_leader_sees_who_changed_an_issue_with_old_and_new_values(client, world):
    client.force_login(world.inspector)
    issue = world.hand_off(title="原标题")
    # A web write, so the actor and the path are in the context.
    client.force_login(world.inspector)
    world.retitle(issue, "新标题")
    client.force_login(world.admin)
    department = world.other_department
    client.post(
        f"/admin/accounts/department/{department.pk}/change/",
        {
            "name": department.name,
            "short_name": "生态局",
            "kind": department.kind,
            "contact_phone": "",
            "is_active": "on",
        },
    )

    client.force_login(world.leader)
    per_object = client.get(URL, {"model": "issues.Issue", "object": issue.pk})
    page = per_object.content.decode()
    assert "原标题" in page and "新标题" in page and "交办问题" in page
    assert f"/issues/{issue.pk}/" in page

    per_user = client.get(URL, {"actor": world.admin.pk})
    page = per_user.content.decode()
    assert "生态局" in page and f"/admin/accounts/department/{department.pk}/change/" in page
    assert "原标题" not in page  # the inspector's edit is not the admin's

    today = dt.date.today().isoformat()
    deletes_only = client.get(URL, {"action": "delete", "date_from": today})
    assert "新标题" not in deletes_only.content.decode()


@postgres_only
@pytest.mark.django_db
def test_audit_page_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for number in range(12):
        world.hand_off(title=f"问题{number}")
    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200 and response.content.decode().count("badge text-bg-success") >= 12
