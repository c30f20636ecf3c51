"""A reopening (回头看 finding 反弹 / 未整改到位) takes an issue out of "closed on time"
(issues.conditions.on_time_q reads the issue's events for it), so a reopen event moves the data
version too. Events are append-only, and every other event comes with an update of the issue row,
which moves the version already: only reopen inserts need the trigger."""

from django.db import migrations

TABLE = "issues_issueevent"

SQL = """
CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT ON issues_issueevent
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.action = 'reopen')
    EXECUTE FUNCTION core_data_version_bump();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_data_version_bump ON issues_issueevent")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_idempotency_key"),
        ("issues", "0005_issue_rechecks"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
