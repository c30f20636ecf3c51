"""The audit trail: every write to a domain model leaves an append-only row (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from pghistory.models import Events

from audit.models import AUDITED_APPS, EVENT_MODELS, NOT_AUDITED
from issues.models import Issue

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="audit triggers exist on PostgreSQL only (pgtrigger is a no-op on SQLite)"
)


def test_every_domain_model_has_an_event_model():
    from django.apps import apps

    domain = {
        model._meta.label
        for label in AUDITED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    assert domain - NOT_AUDITED <= set(EVENT_MODELS), sorted(domain - NOT_AUDITED - set(EVENT_MODELS))
    assert "issues.Issue" in domain and "accounts.User_groups" in domain
    # Only the counts the database's triggers keep are left out, and they are really left out.
    assert NOT_AUDITED == {"clues.ClueRollup"} and not NOT_AUDITED & set(EVENT_MODELS)


@postgres_only
@pytest.mark.django_db
def test_bulk_update_on_issues_leaves_audit_rows_with_old_and_new_values(world):
    first = world.hand_off(title="第一条")
    second = world.hand_off(title="第二条")
    IssueAudit = EVENT_MODELS["issues.Issue"]
    before = IssueAudit.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first()

    changed = Issue.objects.filter(pk__in=[first.pk, second.pk]).update(severity="critical")

    assert changed == 2
    updates = IssueAudit.objects.filter(pgh_id__gt=before)
    assert sorted(updates.values_list("pgh_label", "pgh_obj_id", "severity")) == [
        ("update", first.pk, "critical"),
        ("update", second.pk, "critical"),
    ]
    # Old and new value side by side, as the audit page shows them.
    diffs = Events.objects.across(IssueAudit).tracks(first).filter(pgh_id__gt=before).values_list("pgh_diff", flat=True)
    assert list(diffs) == [{"severity": ["general", "critical"]}]


@postgres_only
@pytest.mark.django_db
def test_bulk_delete_is_recorded_with_the_deleted_values(world):
    from projects.models import GroupPartnerUnit

    unit = GroupPartnerUnit.objects.create(group=world.group, department=world.other_department, note="派驻纪检监察组")
    GroupPartnerUnit.objects.filter(pk=unit.pk).delete()

    audit = EVENT_MODELS["projects.GroupPartnerUnit"]
    deleted = audit.objects.get(pgh_label="delete", pgh_obj_id=unit.pk)
    assert deleted.department_id == world.other_department.pk


@postgres_only
@pytest.mark.django_db
def test_a_web_write_records_actor_path_and_request_id(client, world):
    client.force_login(world.admin)
    department = world.other_department
    response = client.post(
        f"/admin/accounts/department/{department.pk}/change/",
        {
            "name": department.name,
            "short_name": "生态局",
            "kind": department.kind,
            "contact_phone": "",
            "is_active": "on",
        },
        HTTP_X_REQUEST_ID="req-audit-0001",
    )
    assert response.status_code == 302, response.content[:500]

    event = EVENT_MODELS["accounts.Department"].objects.filter(pgh_obj_id=department.pk, pgh_label="update").get()
    assert event.short_name == "生态局"
    assert event.pgh_context["user"] == world.admin.pk
    assert event.pgh_context["url"] == f"/admin/accounts/department/{department.pk}/change/"
    assert event.pgh_context["request_id"] == "req-audit-0001"


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["DELETE FROM {table}", "UPDATE {table} SET pgh_label = 'forged'"])
def test_raw_change_of_an_audit_row_fails(world, statement):
    world.hand_off()
    table = EVENT_MODELS["issues.Issue"]._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))
    assert EVENT_MODELS["issues.Issue"].objects.exists()


@postgres_only
@pytest.mark.django_db
def test_every_event_table_is_append_only():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'audit_append_only'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert {model._meta.db_table for model in EVENT_MODELS.values()} <= guarded
