"""Shared by the append-only migrations: guard every audit table that exists in the migration state."""

from audit import immutability


def forwards(apps, schema_editor):
    tables = [model._meta.db_table for model in apps.get_app_config("audit").get_models()]
    immutability.install(schema_editor.connection, tables)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for model in apps.get_app_config("audit").get_models():
            cursor.execute(f'DROP TRIGGER IF EXISTS {immutability.TRIGGER_NAME} ON "{model._meta.db_table}"')
