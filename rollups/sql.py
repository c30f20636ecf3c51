"""The rollup's one definition in SQL (rollups.models): the facts an issue row contributes, the
triggers that move the counts when an issue changes, and the rebuild from the issues.

`facts(row)` lists an issue's rows of every kind as a UNION ALL of SELECTs over one issue row: the
trigger's NEW or OLD record, or a table alias for the rebuild. A trigger subtracts the facts of
OLD, adds those of NEW, nets them per key and upserts the non-zero deltas in key order (so two
transactions moving the same rows lock them in the same order: no deadlock between writers).

Written for PostgreSQL (plpgsql trigger functions) and SQLite (trigger bodies; the local day
comes from Django's own SQLite function, registered on every connection Django opens), with
`settings.TIME_ZONE` as the local time zone, as TruncDate reads it.
"""

from __future__ import annotations

from core.sqldialect import Dialect
from issues.models import OPEN_STATUSES

TABLE = "rollups_issuerollup"
KEYS = ("kind", "project_id", "department_id", "category", "status", "day1", "day2", "on_time", "reworked", "submitted")
# The issue columns the facts read: an update touching none of them (a progress note) moves nothing.
WATCHED = (
    "project_id",
    "lead_department_id",
    "category",
    "status",
    "handed_off_at",
    "sign_deadline",
    "rectification_deadline",
    "submitted_at",
    "closed_at",
    "withdrawn_at",
    "return_count",
    "signed_at",
)
NO_DAY = "'1970-01-01'"
CITY = 0  # the project key of the whole city's rows
REOPENED = "EXISTS (SELECT 1 FROM issues_issueevent e WHERE e.issue_id = {row}.id AND e.action = 'reopen')"


def facts(d: Dialect, row: str, *, source: str = "", reopened: str | None = None) -> str:
    """The facts of one issue row `row` (NEW, OLD, or an alias bound by `source`, a FROM … WHERE …
    clause) as SELECTs of KEYS. `reopened`: SQL saying whether the issue was ever reopened."""
    reopened = reopened if reopened is not None else REOPENED.format(row=row)
    on_time = (
        f"({row}.closed_at IS NOT NULL"
        f" AND {d.local_day(f'COALESCE({row}.submitted_at, {row}.closed_at)')} <= {row}.rectification_deadline"
        f" AND NOT {reopened})"
    )
    reworked = f"({row}.return_count >= 1)"
    common = f"{{project}}, {row}.lead_department_id, {row}.category"
    no_day = d.day(NO_DAY)
    # A literal '' is typed unknown on PostgreSQL in a UNION: cast so every branch agrees.
    empty = "CAST('' AS varchar(20))" if d.vendor == "postgresql" else "''"
    status = f"CAST({row}.status AS varchar(20))" if d.vendor == "postgresql" else f"{row}.status"
    branches = [
        (f"'S', {common}, {status}, {no_day}, {no_day}, {on_time}, {reworked}, FALSE", None),
        (
            f"'O', {common}, {status}, {row}.rectification_deadline,"
            f" CASE WHEN {row}.status = 'handed_off' THEN {row}.sign_deadline ELSE {no_day} END, FALSE, FALSE,"
            f" ({row}.submitted_at IS NOT NULL)",
            f"{row}.status IN ({', '.join(repr(str(s)) for s in OPEN_STATUSES)})",
        ),
        (
            f"'H', {common}, {empty}, {d.local_month(f'{row}.handed_off_at')}, {no_day}, FALSE, FALSE, FALSE",
            f"{row}.status <> 'withdrawn'",
        ),
        (
            f"'W', {common}, {empty}, {d.local_month(f'{row}.withdrawn_at')}, {no_day}, FALSE, FALSE, FALSE",
            f"{row}.withdrawn_at IS NOT NULL",
        ),
        (
            f"'C', {common}, {empty}, {d.local_month(f'{row}.closed_at')}, {no_day}, {on_time}, {reworked}, FALSE",
            f"{row}.closed_at IS NOT NULL",
        ),
    ]
    # Each fact under the issue's project (scoped reads sum over a set of projects), plus the
    # open count of the project (P: the dashboard's top projects), and the whole city's coarse
    # grains under CITY (city_branches): a city read costs the same whatever the issues.
    branches = [(columns.replace("{project}", f"{row}.project_id"), condition) for columns, condition in branches]
    open_q = f"{row}.status IN ({', '.join(repr(str(s)) for s in OPEN_STATUSES)})"
    branches.append((f"'P', {row}.project_id, 0, {empty}, {empty}, {no_day}, {no_day}, FALSE, FALSE, FALSE", open_q))
    branches += city_branches(d, row, on_time=on_time, reworked=reworked, empty=empty, status=status)
    selects = []
    for columns, condition in branches:
        where = " AND ".join(part for part in (source_condition(source), condition) if part)
        from_clause = source_table(source)
        selects.append(f"SELECT {columns}{from_clause}{f' WHERE {where}' if where else ''}")
    return "\nUNION ALL ".join(selects)


def city_branches(
    d: Dialect, row: str, *, on_time: str, reworked: str, empty: str, status: str
) -> list[tuple[str, str]]:
    """The whole city's facts (project CITY) at the coarse grains its figures read: every
    department (department 0) and every category (category ''), per department, per category.
    The open issues' deadlines are counted per day (O), per quarter of a month (Q: days 1, 8, 15,
    22, 29) and per month (M), so "deadline before D" sums months before D's, quarters of D's
    month before D's quarter and at most seven days: a bounded number of rows whatever the
    issues and whatever the day (no job moves anything when the day turns)."""
    no_day = d.day(NO_DAY)
    open_q = f"{row}.status IN ({', '.join(repr(str(s)) for s in OPEN_STATUSES)})"
    owes_q = f"{open_q} AND {row}.submitted_at IS NULL"
    dept, cat = f"{row}.lead_department_id", f"{row}.category"
    total, by_dept, by_cat = f"0, 0, {empty}", f"0, {dept}, {empty}", f"0, 0, {cat}"
    flags = "FALSE, FALSE, FALSE"
    deadline = f"{row}.rectification_deadline"
    sign_day = f"CASE WHEN {row}.status = 'handed_off' THEN {row}.sign_deadline ELSE {no_day} END"
    branches = [
        (f"'S', {total}, {status}, {no_day}, {no_day}, {on_time}, {reworked}, FALSE", ""),
        (f"'S', {by_dept}, {status}, {no_day}, {no_day}, {flags}", open_q),
        (f"'S', {by_cat}, {status}, {no_day}, {no_day}, {flags}", open_q),
        (f"'O', {total}, {status}, {deadline}, {sign_day}, FALSE, FALSE, ({row}.submitted_at IS NOT NULL)", open_q),
    ]
    for kind, bucket in (("Q", d.quarter(deadline)), ("M", d.month(deadline))):
        branches.append(
            (f"'{kind}', {total}, {status}, {bucket}, {no_day}, FALSE, FALSE, ({row}.submitted_at IS NOT NULL)", open_q)
        )
    for kind, day in (("O", deadline), ("Q", d.quarter(deadline)), ("M", d.month(deadline))):
        for grain in (by_dept, by_cat):
            branches.append((f"'{kind}', {grain}, {empty}, {day}, {no_day}, {flags}", owes_q))
    for grain in (total, by_dept):
        branches += [
            (
                f"'H', {grain}, {empty}, {d.local_month(f'{row}.handed_off_at')}, {no_day}, {flags}",
                f"{row}.status <> 'withdrawn'",
            ),
            (
                f"'W', {grain}, {empty}, {d.local_month(f'{row}.withdrawn_at')}, {no_day}, {flags}",
                f"{row}.withdrawn_at IS NOT NULL",
            ),
        ]
    for grain in (total, by_dept, by_cat):
        branches.append(
            (
                f"'C', {grain}, {empty}, {d.local_month(f'{row}.closed_at')}, {no_day}, {on_time}, {reworked}, FALSE",
                f"{row}.closed_at IS NOT NULL",
            )
        )
    # The working days to close (平均办结用时) without reading the month's closures: working days
    # are additive (working days in (handed off, closed] = R(closed) − R(handed off), R a running
    # count), so each department's closures are kept by their local close day (X) and, per local
    # close month, by their local hand-off day (Y): the reader sums R over a bounded number of days
    # with the calendar of the day read (holiday overrides included), never a stored day count.
    closed_q = f"{row}.closed_at IS NOT NULL"
    branches += [
        (f"'X', {by_dept}, {empty}, {d.local_day(f'{row}.closed_at')}, {no_day}, {flags}", closed_q),
        (
            f"'Y', {by_dept}, {empty}, {d.local_month(f'{row}.closed_at')}, {d.local_day(f'{row}.handed_off_at')},"
            f" {flags}",
            closed_q,
        ),
    ]
    # 签收不及时: a sign-for deadline, and the issue signed after its day or not signed (and not
    # withdrawn); the readers take the deadlines of the month before the day read.
    late = (
        f"{row}.sign_deadline IS NOT NULL AND (({row}.signed_at IS NULL AND {row}.withdrawn_at IS NULL)"
        f" OR {d.local_day(f'{row}.signed_at')} > {row}.sign_deadline)"
    )
    branches.append((f"'L', {by_dept}, {empty}, {row}.sign_deadline, {no_day}, {flags}", late))
    return branches


def source_table(source: str) -> str:
    return f" FROM {source.split(' WHERE ')[0]}" if source else ""


def source_condition(source: str) -> str:
    return source.split(" WHERE ", 1)[1] if " WHERE " in source else ""


def upsert(d: Dialect, signed: list[tuple[str, int]]) -> str:
    """INSERT the net of the signed fact sets into the table, adding to existing counts."""
    names = ", ".join(KEYS)
    parts = "\nUNION ALL ".join(
        f"SELECT {names}, {sign} AS delta FROM ({sql}) AS f{i}({names})"
        if d.vendor == "postgresql"
        else f"SELECT *, {sign} AS delta FROM ({_named(sql)}) AS f{i}"
        for i, (sql, sign) in enumerate(signed)
    )
    return (
        f"INSERT INTO {TABLE} ({names}, n)\n"
        f"SELECT {names}, SUM(delta) FROM (\n{parts}\n) AS deltas WHERE TRUE\n"
        f"GROUP BY {names} HAVING SUM(delta) <> 0 ORDER BY {names}\n"
        f"ON CONFLICT ({names}) DO UPDATE SET n = {TABLE}.n + excluded.n"
    )


def _named(sql: str) -> str:
    """SQLite has no column list on a derived table's alias: name the first SELECT's columns."""
    first, _sep, rest = sql.partition("\nUNION ALL ")
    head, _select, tail = first.partition("SELECT ")
    values, from_where = _split_columns(tail)
    named = ", ".join(f"{value} AS {name}" for value, name in zip(values, KEYS, strict=True))
    return f"{head}SELECT {named}{from_where}" + (f"\nUNION ALL {rest}" if rest else "")


def _split_columns(text: str) -> tuple[list[str], str]:
    """Split 'a, f(b, c), d FROM …' into its top-level columns and the rest (' FROM …' / ' WHERE …')."""
    columns, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "'":
            i = text.index("'", i + 1)
        elif depth == 0 and ch == ",":
            columns.append(text[start:i].strip())
            start = i + 1
        elif depth == 0 and (text.startswith(" FROM ", i) or text.startswith(" WHERE ", i)):
            break
        i += 1
    columns.append(text[start:i].strip())
    return columns, text[i:]


# --- triggers -------------------------------------------------------------------------------

_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
_FIRST_REOPEN = "(SELECT COUNT(*) FROM issues_issueevent e WHERE e.issue_id = NEW.issue_id AND e.action = 'reopen') = 1"
_THE_ISSUE = "issues_issue i WHERE i.id = NEW.issue_id"


def _bodies(d: Dialect) -> dict[str, str]:
    """Each trigger's statement: on insert, update, delete of an issue, and on the first reopen
    event of an issue (it takes the issue out of 'closed on time'; an issue row inserted with its
    reopen events after it, as the scale-data loader does, is moved then)."""
    return {
        "insert": upsert(d, [(facts(d, "NEW"), 1)]),
        "update": upsert(d, [(facts(d, "OLD"), -1), (facts(d, "NEW"), 1)]),
        "delete": upsert(d, [(facts(d, "OLD"), -1)]),
        "reopen": upsert(
            d,
            [
                (facts(d, "i", source=_THE_ISSUE, reopened="FALSE"), -1),
                (facts(d, "i", source=_THE_ISSUE, reopened="TRUE"), 1),
            ],
        ),
    }


def install_sql(vendor: str) -> list[str]:
    d = Dialect(vendor)
    bodies = _bodies(d)
    if vendor == "postgresql":
        statements = []
        for name, body in bodies.items():
            if name == "reopen":
                body = f"IF {_FIRST_REOPEN} THEN\n{body};\nEND IF"
            statements.append(
                f"CREATE OR REPLACE FUNCTION rollups_issue_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body};\nRETURN NULL;\nEND $$;"
            )
        statements += [
            "CREATE TRIGGER rollups_issue_insert AFTER INSERT ON issues_issue"
            " FOR EACH ROW EXECUTE FUNCTION rollups_issue_insert();",
            f"CREATE TRIGGER rollups_issue_update AFTER UPDATE ON issues_issue"
            f" FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION rollups_issue_update();",
            "CREATE TRIGGER rollups_issue_delete AFTER DELETE ON issues_issue"
            " FOR EACH ROW EXECUTE FUNCTION rollups_issue_delete();",
            "CREATE TRIGGER rollups_issue_reopen AFTER INSERT ON issues_issueevent"
            " FOR EACH ROW WHEN (NEW.action = 'reopen') EXECUTE FUNCTION rollups_issue_reopen();",
        ]
        return statements
    return [
        f"CREATE TRIGGER rollups_issue_insert AFTER INSERT ON issues_issue BEGIN\n{bodies['insert']};\nEND;",
        f"CREATE TRIGGER rollups_issue_update AFTER UPDATE ON issues_issue WHEN {_CHANGED_SQLITE}"
        f" BEGIN\n{bodies['update']};\nEND;",
        f"CREATE TRIGGER rollups_issue_delete AFTER DELETE ON issues_issue BEGIN\n{bodies['delete']};\nEND;",
        f"CREATE TRIGGER rollups_issue_reopen AFTER INSERT ON issues_issueevent"
        f" WHEN NEW.action = 'reopen' AND {_FIRST_REOPEN} BEGIN\n{bodies['reopen']};\nEND;",
    ]


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS rollups_issue_insert ON issues_issue;",
            "DROP TRIGGER IF EXISTS rollups_issue_update ON issues_issue;",
            "DROP TRIGGER IF EXISTS rollups_issue_delete ON issues_issue;",
            "DROP TRIGGER IF EXISTS rollups_issue_reopen ON issues_issueevent;",
        ] + [f"DROP FUNCTION IF EXISTS rollups_issue_{name}();" for name in ("insert", "update", "delete", "reopen")]
    return [f"DROP TRIGGER IF EXISTS rollups_issue_{name};" for name in ("insert", "update", "delete", "reopen")]


def rebuild_sql(vendor: str) -> list[str]:
    """Empty the table and count every issue's facts afresh."""
    d = Dialect(vendor)
    names = ", ".join(KEYS)
    every = facts(d, "x", source="issues_issue x")
    if vendor != "postgresql":
        every = _named(every)
        inner = f"SELECT {names} FROM ({every}) AS f"
    else:
        inner = f"SELECT {names} FROM ({every}) AS f({names})"
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({names}, n) {inner.replace(f'SELECT {names} FROM', f'SELECT {names}, COUNT(*) FROM', 1)}"
        f" GROUP BY {names}",
    ]


def reinstall_and_recount(apps, schema_editor) -> None:
    """A migration's RunPython when the facts change (rollups 0004, 0006): the triggers installed
    afresh with the facts of this module, and the rollup counted again from the issues."""
    vendor = schema_editor.connection.vendor
    for statement in uninstall_sql(vendor) + install_sql(vendor) + rebuild_sql(vendor):
        schema_editor.execute(statement, params=None)


# --- blocked projects (rollups.models.BlockedProject) --------------------------------------

BLOCKED_TABLE = "rollups_blockedproject"
_STAGES = "projects_procedurestage"


def _blocked_recount(project: str) -> list[str]:
    """Count one project afresh: its row goes, and comes back with its oldest blockage if it has
    a blocked stage (a few stages per project: no running count to get wrong)."""
    return [
        f"DELETE FROM {BLOCKED_TABLE} WHERE project_id = {project}",
        f"INSERT INTO {BLOCKED_TABLE} (project_id, since) SELECT project_id, MIN(blocked_since) FROM {_STAGES}"
        f" WHERE project_id = {project} AND status = 'blocked' GROUP BY project_id",
    ]


_BLOCKED_CHANGED = (
    "OLD.status {op} NEW.status OR OLD.blocked_since {op} NEW.blocked_since OR OLD.project_id {op} NEW.project_id"
)


def blocked_install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        # The project row is locked first, so two transactions changing one project's stages
        # count it one after the other, each seeing the other's committed stages.
        recount = ";\n".join(
            ["PERFORM 1 FROM projects_project WHERE id = pid FOR NO KEY UPDATE", *_blocked_recount("pid")]
        )
        return [
            f"CREATE OR REPLACE FUNCTION rollups_blocked_recount(pid bigint) RETURNS void LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{recount};\nEND $$;",
            "CREATE OR REPLACE FUNCTION rollups_blocked_stage() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "IF TG_OP <> 'INSERT' THEN PERFORM rollups_blocked_recount(OLD.project_id); END IF;\n"
            "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.project_id <> OLD.project_id) THEN\n"
            "PERFORM rollups_blocked_recount(NEW.project_id); END IF;\n"
            "RETURN NULL;\nEND $$;",
            f"CREATE TRIGGER rollups_blocked_insert AFTER INSERT ON {_STAGES}"
            " FOR EACH ROW EXECUTE FUNCTION rollups_blocked_stage();",
            f"CREATE TRIGGER rollups_blocked_update AFTER UPDATE ON {_STAGES}"
            f" FOR EACH ROW WHEN ({_BLOCKED_CHANGED.format(op='IS DISTINCT FROM')})"
            " EXECUTE FUNCTION rollups_blocked_stage();",
            f"CREATE TRIGGER rollups_blocked_delete AFTER DELETE ON {_STAGES}"
            " FOR EACH ROW EXECUTE FUNCTION rollups_blocked_stage();",
        ]
    new, old = ";\n".join(_blocked_recount("NEW.project_id")), ";\n".join(_blocked_recount("OLD.project_id"))
    return [
        f"CREATE TRIGGER rollups_blocked_insert AFTER INSERT ON {_STAGES} BEGIN\n{new};\nEND;",
        f"CREATE TRIGGER rollups_blocked_update AFTER UPDATE ON {_STAGES}"
        f" WHEN {_BLOCKED_CHANGED.format(op='IS NOT')} BEGIN\n{old};\n{new};\nEND;",
        f"CREATE TRIGGER rollups_blocked_delete AFTER DELETE ON {_STAGES} BEGIN\n{old};\nEND;",
    ]


def blocked_uninstall_sql(vendor: str) -> list[str]:
    names = ("insert", "update", "delete")
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS rollups_blocked_{name} ON {_STAGES};" for name in names] + [
            "DROP FUNCTION IF EXISTS rollups_blocked_stage();",
            "DROP FUNCTION IF EXISTS rollups_blocked_recount(bigint);",
        ]
    return [f"DROP TRIGGER IF EXISTS rollups_blocked_{name};" for name in names]


def blocked_rebuild_sql() -> list[str]:
    return [
        f"DELETE FROM {BLOCKED_TABLE}",
        f"INSERT INTO {BLOCKED_TABLE} (project_id, since) SELECT project_id, MIN(blocked_since) FROM {_STAGES}"
        " WHERE status = 'blocked' GROUP BY project_id",
    ]
