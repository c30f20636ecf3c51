"""A data-version domain for the group lead's queues (core/dataversion.py, DOMAINS): the badges of
the navigation (desk.queues.queue_counts: seven counts on every page a group lead opens) are kept
under this number with the issues' facts, the scope's and the calendar's, so a lead's page counts
them again only after something they count changed. The function and the lock order are core
0010's.

Besides the issues: extension requests, the 调度会 and their decisions, the talks and their
commitments, and the 领导批示 notifications (only those: a reminder or an alert to anyone must not
make every lead count again, nor queue every notification write behind the version row)."""

from django.db import migrations

TABLES = (
    "issues_extensionrequest",
    "dispatch_dispatchmeeting",
    "dispatch_decision",
    "talks_talk",
    "talks_commitment",
)
NOTIFICATIONS = "notifications_notification"
INSTRUCTION = "instruction"  # notifications.models.NotificationKind.INSTRUCTION


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "INSERT INTO core_data_version (id, name, value)"
        " SELECT (SELECT MAX(id) + 1 FROM core_data_version), 'desk', nextval('core_data_version_seq')"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_data_versions_bump('desk')"
        )
    schema_editor.execute(
        f"CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT OR UPDATE ON {NOTIFICATIONS}"
        f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = '{INSTRUCTION}')"
        " EXECUTE FUNCTION core_data_versions_bump('desk')"
    )
    schema_editor.execute(
        f"CREATE CONSTRAINT TRIGGER core_data_version_bump_delete AFTER DELETE ON {NOTIFICATIONS}"
        f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.kind = '{INSTRUCTION}')"
        " EXECUTE FUNCTION core_data_versions_bump('desk')"
    )
    for table in (*TABLES, NOTIFICATIONS):
        schema_editor.execute(
            f"CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION core_data_versions_bump('desk')"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in (*TABLES, NOTIFICATIONS):
        schema_editor.execute(f"DROP TRIGGER core_data_version_bump ON {table}")
        schema_editor.execute(f"DROP TRIGGER core_data_version_bump_truncate ON {table}")
    schema_editor.execute(f"DROP TRIGGER core_data_version_bump_delete ON {NOTIFICATIONS}")
    schema_editor.execute("DELETE FROM core_data_version WHERE name = 'desk'")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_data_version_clues"),
        ("issues", "0009_assisting_department_issue_index"),
        ("dispatch", "0002_dispatchmeeting_held_at_dispatchmeeting_present"),
        ("talks", "0001_talks_and_commitments"),
        ("notifications", "0003_export_notification_kinds"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
