"""The triggers that keep the issue rollup current (rollups.sql), and the rollup counted once
from the issues already there."""

from django.db import migrations

from rollups import sql


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in sql.install_sql(vendor) + sql.rebuild_sql(vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in sql.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0001_initial"),
        ("issues", "0005_issue_rechecks"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
