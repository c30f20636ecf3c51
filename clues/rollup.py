"""The campaign figures' rollup in SQL (clues.models.ClueRollup): the counts of one project, the
triggers that keep them, and the rebuild from the clues.

A project holds a few clues, so a change is not netted row by row as the issue rollup does
(rollups.sql): each project a change touched is counted afresh from its clues and people, and
the difference between its old and its new rows is added to the city's (project CITY). On
PostgreSQL the triggers run once per statement with the statement's rows (a bulk insert
recounts each project once) and lock each project row before counting it, in id order, so two
transactions changing one project's clues count it one after the other, each seeing the other's
committed rows; the city's rows are upserted in key order (no deadlock between writers). SQLite
(one writer at a time) recounts per row. The figures' definitions are those of clues.figures
(each row of `project_facts` is one of its Counts, by the month of its day).
"""

from __future__ import annotations

from core.sqldialect import Dialect

TABLE = "clues_cluerollup"
CITY = 0
KEYS = "figure, project_id, month"
_CLUES = "clues_clue"
_SUBJECTS = "clues_cluesubject"

# The columns a figure reads: an update touching none of them (a note, a name) moves nothing.
CLUE_WATCHED = ("project_id", "received_on", "filed_on", "exposed_on")
SUBJECT_WATCHED = (
    "clue_id",
    "decided_on",
    "supervision_form",
    "party_sanction",
    "government_sanction",
    "organizational_measure",
    "sanction_unclassified",
    "exposed",
)


def project_facts(d: Dialect, project: str | None) -> str:
    """(figure, project_id, month, n): every figure of clues.figures counted by the month of its
    day, for one project (`project`: SQL for its id: a variable, NEW.project_id, …) or, with
    None, for every project (the rebuild)."""
    sanctioned = "(s.party_sanction <> '' OR s.government_sanction <> '' OR s.sanction_unclassified)"
    clue_figures = (("cases", "c.received_on"), ("filed", "c.filed_on"), ("notified_cases", "c.exposed_on"))
    person_figures = [
        ("people", "c.received_on", "TRUE"),
        ("sanctioned", "s.decided_on", sanctioned),
        ("party", "s.decided_on", "s.party_sanction <> ''"),
        ("government", "s.decided_on", "s.government_sanction <> ''"),
        ("organizational", "s.decided_on", "s.organizational_measure <> ''"),
        *((f"form_{n}", "s.decided_on", f"s.supervision_form = '{n}'") for n in range(1, 5)),
        ("notified_people", "c.exposed_on", "s.exposed"),
    ]
    figure = "CAST('{0}' AS varchar(20))" if d.vendor == "postgresql" else "'{0}'"
    of_project = f"c.project_id = {project} AND " if project is not None else ""
    project_column = project if project is not None else "c.project_id"
    selects = []
    for key, day, source, condition in [
        *((key, day, f"{_CLUES} c", "TRUE") for key, day in clue_figures),
        *((key, day, f"{_SUBJECTS} s JOIN {_CLUES} c ON c.id = s.clue_id", cond) for key, day, cond in person_figures),
    ]:
        month = d.month(day)
        selects.append(
            f"SELECT {figure.format(key)} AS figure, {project_column} AS project_id, {month} AS month, COUNT(*) AS n"
            f" FROM {source} WHERE {of_project}{day} IS NOT NULL AND {condition}"
            f" GROUP BY {'' if project is not None else 'c.project_id, '}{month}"
        )
    return "\nUNION ALL ".join(selects)


def recount_statements(d: Dialect, project: str) -> list[str]:
    """Count one project afresh and move the city's rows by the difference."""
    return [
        # Its old rows out of the city's …
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT figure, {CITY}, month, -SUM(n) FROM {TABLE}"
        f" WHERE project_id = {project} GROUP BY figure, month HAVING SUM(n) <> 0 ORDER BY figure, month"
        f" ON CONFLICT ({KEYS}) DO UPDATE SET n = {TABLE}.n + excluded.n",
        f"DELETE FROM {TABLE} WHERE project_id = {project}",
        # … counted again …
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT figure, project_id, month, n FROM ({project_facts(d, project)}) AS f"
        " WHERE TRUE",
        # … and the new ones into the city's.
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT figure, {CITY}, month, SUM(n) FROM {TABLE}"
        f" WHERE project_id = {project} GROUP BY figure, month ORDER BY figure, month"
        f" ON CONFLICT ({KEYS}) DO UPDATE SET n = {TABLE}.n + excluded.n",
    ]


def _changed(columns: tuple[str, ...], op: str) -> str:
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def _clue_project(of: str) -> str:
    return f"(SELECT project_id FROM {_CLUES} WHERE id = {of}.clue_id)"


def install_sql(vendor: str) -> list[str]:
    d = Dialect(vendor)
    if vendor == "postgresql":
        body = ";\n".join(
            ["PERFORM 1 FROM projects_project WHERE id = pid FOR NO KEY UPDATE", *recount_statements(d, "pid")]
        )
        statements = [
            "CREATE OR REPLACE FUNCTION clues_rollup_recount(pid bigint) RETURNS void LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\nEND $$;"
        ]
        # Statement triggers with the statement's rows (transition tables): a bulk insert of a
        # thousand people recounts each of their projects once, not once a row (the demo loader's
        # 2,000 clues took minutes row by row). The projects are recounted in id order, so two
        # statements touching the same projects lock them in the same order.
        for table, name, watched in ((_CLUES, "clue", CLUE_WATCHED), (_SUBJECTS, "subject", SUBJECT_WATCHED)):
            if name == "clue":
                projects = "SELECT {row}.project_id AS pid FROM {rows} {row}"
            else:
                projects = f"SELECT c.project_id AS pid FROM {{rows}} {{row}} JOIN {_CLUES} c ON c.id = {{row}}.clue_id"
            changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in watched)
            touched = {
                "insert": projects.format(rows="new_rows", row="n"),
                "delete": projects.format(rows="old_rows", row="o"),
                "update": (
                    f"{projects.format(rows='old_rows', row='o')} JOIN new_rows n ON n.id = o.id WHERE {changed}"
                    f" UNION {projects.format(rows='new_rows', row='n')} JOIN old_rows o ON o.id = n.id"
                    f" WHERE {changed}"
                ),
            }
            for event, transition in (
                ("insert", "NEW TABLE AS new_rows"),
                ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("delete", "OLD TABLE AS old_rows"),
            ):
                function = f"clues_rollup_{name}_{event}"
                statements += [
                    f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    "DECLARE project bigint;\nBEGIN\n"
                    f"FOR project IN SELECT DISTINCT t.pid FROM ({touched[event]}) t"
                    " WHERE t.pid IS NOT NULL ORDER BY t.pid LOOP\n"
                    "PERFORM clues_rollup_recount(project);\nEND LOOP;\nRETURN NULL;\nEND $$;",
                    f"CREATE TRIGGER clues_rollup_on_{name}_{event} AFTER {event.upper()} ON {table}"
                    f" REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
                ]
        return statements

    # SQLite: one writer at a time; a trigger body is its statements.
    def recount(project: str) -> str:
        return ";\n".join(recount_statements(d, project)) + ";\n"

    new_clue, old_clue = recount("NEW.project_id"), recount("OLD.project_id")
    new_subject, old_subject = recount(_clue_project("NEW")), recount(_clue_project("OLD"))
    return [
        f"CREATE TRIGGER clues_rollup_on_clue_insert AFTER INSERT ON {_CLUES} BEGIN\n{new_clue}END;",
        f"CREATE TRIGGER clues_rollup_on_clue_update AFTER UPDATE ON {_CLUES}"
        f" WHEN {_changed(CLUE_WATCHED, 'IS NOT')} BEGIN\n{old_clue}{new_clue}END;",
        f"CREATE TRIGGER clues_rollup_on_clue_delete AFTER DELETE ON {_CLUES} BEGIN\n{old_clue}END;",
        f"CREATE TRIGGER clues_rollup_on_subject_insert AFTER INSERT ON {_SUBJECTS} BEGIN\n{new_subject}END;",
        f"CREATE TRIGGER clues_rollup_on_subject_update AFTER UPDATE ON {_SUBJECTS}"
        f" WHEN {_changed(SUBJECT_WATCHED, 'IS NOT')} BEGIN\n{old_subject}{new_subject}END;",
        f"CREATE TRIGGER clues_rollup_on_subject_delete AFTER DELETE ON {_SUBJECTS} BEGIN\n{old_subject}END;",
    ]


_TRIGGERS = (
    (_CLUES, "clues_rollup_on_clue"),
    (_SUBJECTS, "clues_rollup_on_subject"),
)


def uninstall_sql(vendor: str) -> list[str]:
    names = [(table, f"{prefix}_{op}") for table, prefix in _TRIGGERS for op in ("insert", "update", "delete")]
    if vendor == "postgresql":
        return (
            [f"DROP TRIGGER IF EXISTS {name} ON {table};" for table, name in names]
            + [f"DROP FUNCTION IF EXISTS {name.replace('_on_', '_')}();" for _table, name in names]
            + ["DROP FUNCTION IF EXISTS clues_rollup_recount(bigint);"]
        )
    return [f"DROP TRIGGER IF EXISTS {name};" for _table, name in names]


def rebuild_sql(vendor: str) -> list[str]:
    """Empty the table and count every project's clues afresh, then the city's as their sum."""
    every = project_facts(Dialect(vendor), None)
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT figure, project_id, month, n FROM ({every}) AS f WHERE TRUE",
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT figure, {CITY}, month, SUM(n) FROM {TABLE} GROUP BY figure, month",
    ]
