"""The talk event tables (0012) are append-only too (same trigger as 0002)."""

from django.db import migrations

from audit.migrations._append_only import backwards, forwards


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_track_talks")]

    operations = [migrations.RunPython(forwards, backwards)]
