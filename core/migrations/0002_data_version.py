"""The data version (core/dataversion.py): a one-row table bumped at commit by deferred triggers on
every table a cached read depends on. PostgreSQL only; SQLite gets nothing and caches nothing."""

from django.db import migrations

# The tables as of this migration; a later table gets its trigger in its own migration.
TABLES = (
    "issues_issue",
    "issues_issue_assisting_departments",
    "projects_project",
    "accounts_department",
    "projects_supervisiongroup",
    "projects_supervisiongroup_projects",
    "projects_groupmembership",
    "projects_authorization",
    "core_workdayoverride",
)

INSTALL_SQL = """
CREATE SEQUENCE core_data_version_seq;
CREATE TABLE core_data_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL,
    bumped_by xid8
);
INSERT INTO core_data_version (id, value) VALUES (1, nextval('core_data_version_seq'));

-- Row triggers fire at commit, once per changed row: only the first one in a transaction writes.
CREATE FUNCTION core_data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE core_data_version SET value = nextval('core_data_version_seq'), bumped_by = pg_current_xact_id()
    WHERE id = 1 AND bumped_by IS DISTINCT FROM pg_current_xact_id();
    RETURN NULL;
END $$;
"""

TABLE_SQL = """
CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_data_version_bump();
CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION core_data_version_bump();
"""

UNINSTALL_SQL = """
DROP FUNCTION IF EXISTS core_data_version_bump() CASCADE;
DROP TABLE IF EXISTS core_data_version;
DROP SEQUENCE IF EXISTS core_data_version_seq;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INSTALL_SQL)
    for table in TABLES:
        schema_editor.execute(TABLE_SQL.format(table=table))


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("issues", "0002_issue_search_trigram"),
        ("projects", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
