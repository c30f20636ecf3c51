"""Writes of the rollup outside the triggers: the rebuild from the issues."""

from __future__ import annotations

from django.db import connection, transaction

from rollups import sql
from rollups.models import BlockedProject, IssueRollup


def rollup_snapshot() -> dict[tuple[object, ...], int]:
    """The tables as {key: n}, rows counting nothing left out (what a comparison needs); the
    blocked projects as ("blocked", project, since): 1."""
    blocked = {("blocked", p, since): 1 for p, since in BlockedProject.objects.values_list("project_id", "since")}
    return blocked | {
        tuple(row[:-1]): row[-1]
        for row in IssueRollup.objects.exclude(n=0).values_list(
            "kind",
            "project_id",
            "department_id",
            "category",
            "status",
            "day1",
            "day2",
            "on_time",
            "reworked",
            "submitted",
            "n",
        )
    }


@transaction.atomic
def rollups_rebuild() -> int:
    """Recount the rollup from the issues, in one transaction; returns the rows written. On
    PostgreSQL the issue tables are locked against writes meanwhile (readers go on), so no change
    lands between the count and the commit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"LOCK TABLE issues_issue, issues_issueevent, {sql.TABLE}, projects_procedurestage,"
                f" {sql.BLOCKED_TABLE} IN SHARE ROW EXCLUSIVE MODE"
            )
        for statement in sql.rebuild_sql(connection.vendor) + sql.blocked_rebuild_sql():
            cursor.execute(statement)
    return IssueRollup.objects.count()


def rollups_clear_when_no_issue(sender: object, using: str = "default", **kwargs: object) -> None:
    """post_migrate (migrate, and `flush`, which sends it): with no issue left, the rollup holds no
    count. A flush on SQLite empties the tables with one DELETE each, in an order it does not
    promise (a set of table names): the rollup emptied before the issues, the issues' DELETE
    trigger then subtracts their facts from an empty table and leaves rows of -1, which the next
    test (or a reloaded demo) would count. PostgreSQL's TRUNCATE fires no row trigger."""
    from django.db import connections

    connection_ = connections[using]
    with connection_.cursor() as cursor:
        # A partial migrate (`migrate accounts 0001`) sends it before the tables exist.
        if not {sql.TABLE, "issues_issue"} <= set(connection_.introspection.table_names(cursor)):
            return
        cursor.execute(f"DELETE FROM {sql.TABLE} WHERE NOT EXISTS (SELECT 1 FROM issues_issue)")
