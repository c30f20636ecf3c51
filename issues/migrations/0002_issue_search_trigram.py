"""Trigram GIN indexes for the ledger's Chinese substring search, on PostgreSQL only.

The ledger searches with `icontains`, which Django writes as UPPER(col::text) LIKE UPPER('%…%'),
so the indexes are on exactly that expression. SQLite has no pg_trgm: there the operation does
nothing and the same query scans. The indexes are not in the model state on purpose, so
makemigrations stays quiet on both databases.
"""

from django.db import migrations

COLUMNS = ("code", "title", "description")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS issue_{column}_trgm ON issues_issue "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS issue_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("issues", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
