"""A data-version domain for the clues (core/dataversion.py, DOMAINS): the campaign figures of the
monthly summary (clues.figures.campaign_counts) read every clue to the month's end and its people
concerned, a read that grows with the clues; they are cached under this number and the scope's
(reports.figures._campaign), so the summary counts them again only after a clue or a person
concerned changed. The function and the lock order are core 0010's."""

from django.db import migrations

TABLES = ("clues_clue", "clues_cluesubject")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "INSERT INTO core_data_version (id, name, value)"
        " SELECT (SELECT MAX(id) + 1 FROM core_data_version), 'clues', nextval('core_data_version_seq')"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_data_versions_bump('clues')"
        )
        schema_editor.execute(
            f"CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION core_data_versions_bump('clues')"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER core_data_version_bump ON {table}")
        schema_editor.execute(f"DROP TRIGGER core_data_version_bump_truncate ON {table}")
    schema_editor.execute("DELETE FROM core_data_version WHERE name = 'clues'")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_data_version_domains"),
        ("clues", "0002_from_case_records"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
