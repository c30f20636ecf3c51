"""The data version also moves when who a caller is changes: an API token issued or revoked, a
user's roles, and a user's activity, department or superuser flag. The API caches a token's user
(with its roles and department) under the data version, so every web process refuses a revoked
token, or reads a moved liaison's new scope, on its next request. A login's last_login, a password
or a name changing leaves it alone (the WHEN clause), so sign-ins do not flush every cache."""

from django.db import migrations

TABLES = ("authtoken_token", "accounts_user_groups")
USER_TABLE = "accounts_user"

TABLE_SQL = """
CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_data_version_bump();
CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION core_data_version_bump();
"""

USER_SQL = """
CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER UPDATE ON accounts_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
          OR OLD.department_id IS DISTINCT FROM NEW.department_id
          OR OLD.is_superuser IS DISTINCT FROM NEW.is_superuser)
    EXECUTE FUNCTION core_data_version_bump();
CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON accounts_user
    FOR EACH STATEMENT EXECUTE FUNCTION core_data_version_bump();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(TABLE_SQL.format(table=table))
    schema_editor.execute(USER_SQL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in (*TABLES, USER_TABLE):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS core_data_version_bump ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS core_data_version_bump_truncate ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_data_version"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
