"""The data version split by what a cached read depends on (core/dataversion.py, DOMAINS): besides
the one number for any change (row 1, 'any', as before), one row per domain, bumped only by the
changes that move it. A progress note (an update of the issue's progress and version) moves
'rows' but not 'facts' (what is counted: the rollup's columns) nor 'placement' (which projects and
departments have issues: the filters' choice lists).

Each trigger names its domains as arguments; the function locks the rows it bumps in id order,
'any' (id 1) first, so a transaction holds another version row only while it holds 'any': two
writers never wait for each other's version rows in opposite orders (see the module docstring)."""

from django.db import migrations

# The issue columns the counts and figures read (rollups.sql.WATCHED, the rollup's own triggers).
ISSUE_FACTS = (
    "project_id",
    "lead_department_id",
    "category",
    "status",
    "handed_off_at",
    "sign_deadline",
    "rectification_deadline",
    "signed_at",  # late sign-fors (rollups 0004)
    "submitted_at",
    "closed_at",
    "withdrawn_at",
    "return_count",
)
ISSUE_PLACEMENT = ("project_id", "lead_department_id")
SCOPE_TABLES = (
    "projects_project",
    "accounts_department",
    "projects_supervisiongroup",
    "projects_supervisiongroup_projects",
    "projects_groupmembership",
    "projects_authorization",
    "authtoken_token",
    "accounts_user_groups",
)
USER_COLUMNS = ("is_active", "department_id", "is_superuser")


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)


# (name suffix, table, events, WHEN condition or "", the domains bumped besides 'any')
TRIGGERS = (
    ("", "issues_issue", "INSERT OR DELETE", "", ("rows", "facts", "placement")),
    ("", "issues_issue", "UPDATE", "", ("rows",)),
    ("_facts", "issues_issue", "UPDATE", _changed(ISSUE_FACTS), ("facts",)),
    ("_placement", "issues_issue", "UPDATE", _changed(ISSUE_PLACEMENT), ("placement",)),
    ("", "issues_issue_assisting_departments", "INSERT OR UPDATE OR DELETE", "", ("rows", "facts", "placement")),
    # A reopening takes an issue out of "closed on time" (core 0005): other events come with an
    # update of the issue row.
    ("", "issues_issueevent", "INSERT", "NEW.action = 'reopen'", ("rows", "facts")),
    *(("", table, "INSERT OR UPDATE OR DELETE", "", ("scope",)) for table in SCOPE_TABLES),
    ("", "accounts_user", "UPDATE", _changed(USER_COLUMNS), ("scope",)),
    ("", "core_workdayoverride", "INSERT OR UPDATE OR DELETE", "", ("calendar",)),
)
DOMAINS = ("rows", "facts", "placement", "scope", "calendar")
TRUNCATED = (
    "issues_issue",
    "issues_issue_assisting_departments",
    "issues_issueevent",
    *SCOPE_TABLES,
    "accounts_user",
    "core_workdayoverride",
)
# The tables core 0002, 0003 and 0005 put the single-number triggers on.
OLD_TABLES = (
    "issues_issue",
    "issues_issue_assisting_departments",
    "projects_project",
    "accounts_department",
    "projects_supervisiongroup",
    "projects_supervisiongroup_projects",
    "projects_groupmembership",
    "projects_authorization",
    "core_workdayoverride",
    "authtoken_token",
    "accounts_user_groups",
    "accounts_user",
    "issues_issueevent",
)

INSTALL_SQL = """
ALTER TABLE core_data_version DROP CONSTRAINT core_data_version_id_check;
ALTER TABLE core_data_version ADD COLUMN name varchar(20) NOT NULL DEFAULT 'any' UNIQUE;
ALTER TABLE core_data_version ALTER COLUMN name DROP DEFAULT;
INSERT INTO core_data_version (id, name, value)
SELECT 1 + n, name, nextval('core_data_version_seq') FROM unnest(ARRAY[{domains}]) WITH ORDINALITY AS d(name, n);

-- Bumps 'any' and the domains named by the trigger's arguments, once per transaction each (the
-- first trigger of a transaction to reach a row writes it; later ones find it bumped by it).
-- The rows are locked in id order, 'any' first, before any is written.
CREATE FUNCTION core_data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM core_data_version WHERE id = 1 OR name = ANY(TG_ARGV) ORDER BY id FOR UPDATE;
    UPDATE core_data_version SET value = nextval('core_data_version_seq'), bumped_by = pg_current_xact_id()
    WHERE (id = 1 OR name = ANY(TG_ARGV)) AND bumped_by IS DISTINCT FROM pg_current_xact_id();
    RETURN NULL;
END $$;
"""


def _trigger_name(suffix: str, events: str) -> str:
    # A table's INSERT/DELETE and UPDATE triggers of issues_issue need names of their own.
    if suffix:
        return f"core_data_version_bump{suffix}"
    if events == "UPDATE":
        return "core_data_version_bump_update"
    return "core_data_version_bump"


def _arguments(domains: tuple[str, ...]) -> str:
    return ", ".join(f"'{domain}'" for domain in domains)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in OLD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS core_data_version_bump ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS core_data_version_bump_truncate ON {table}")
    schema_editor.execute(INSTALL_SQL.replace("{domains}", _arguments(DOMAINS)))
    for suffix, table, events, when, domains in TRIGGERS:
        name = _trigger_name(suffix, events) if table == "issues_issue" else "core_data_version_bump"
        when_clause = f" WHEN ({when})" if when else ""
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table} DEFERRABLE INITIALLY DEFERRED"
            f" FOR EACH ROW{when_clause} EXECUTE FUNCTION core_data_versions_bump({_arguments(domains)})"
        )
    for table in TRUNCATED:
        schema_editor.execute(
            f"CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION core_data_versions_bump({_arguments(DOMAINS)})"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION core_data_versions_bump() CASCADE")
    schema_editor.execute("DELETE FROM core_data_version WHERE id <> 1")
    schema_editor.execute("ALTER TABLE core_data_version DROP COLUMN name")
    schema_editor.execute("ALTER TABLE core_data_version ADD CONSTRAINT core_data_version_id_check CHECK (id = 1)")
    first = "CREATE CONSTRAINT TRIGGER core_data_version_bump AFTER {events} ON {table} DEFERRABLE INITIALLY DEFERRED"
    for table in OLD_TABLES:
        if table == "accounts_user":
            when = f" WHEN ({_changed(USER_COLUMNS)})"
            events = "UPDATE"
        elif table == "issues_issueevent":
            when, events = " WHEN (NEW.action = 'reopen')", "INSERT"
        else:
            when, events = "", "INSERT OR UPDATE OR DELETE"
        schema_editor.execute(
            first.format(events=events, table=table)
            + f" FOR EACH ROW{when} EXECUTE FUNCTION core_data_version_bump()"
        )
        if table != "issues_issueevent":
            schema_editor.execute(
                f"CREATE TRIGGER core_data_version_bump_truncate AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION core_data_version_bump()"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_data_version_reopen_events"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
