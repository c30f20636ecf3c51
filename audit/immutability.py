"""Audit rows are append-only at the database level.

A BEFORE UPDATE OR DELETE trigger on every event table raises, whoever the connected role is —
the application's role usually owns its tables, so REVOKE alone would not hold. Unlike a
pgtrigger Protect trigger it has no session switch to turn it off. (TRUNCATE is not guarded: the
test runner empties tables with it. In production, run migrations as the owner role and the web
and worker processes as a role that does not own the tables, so they cannot TRUNCATE or DROP
TRIGGER either.)
"""

from __future__ import annotations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER_NAME = "audit_append_only"


def trigger_sql(table: str) -> str:
    return (
        f'CREATE OR REPLACE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
    )


def install(connection, tables) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in tables:
            cursor.execute(trigger_sql(table))


def event_tables(app_config) -> list[str]:
    return [model._meta.db_table for model in app_config.get_models()]


def protect_event_tables(sender, using="default", **kwargs) -> None:
    """post_migrate: guard every event table, including ones a later tracker added."""
    from django.db import connections

    install(connections[using], event_tables(sender))
