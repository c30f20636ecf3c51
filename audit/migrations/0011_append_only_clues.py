"""The clue event tables (0010) are append-only too (same trigger as 0002)."""

from django.db import migrations

from audit.migrations._append_only import backwards, forwards


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_track_clues")]

    operations = [migrations.RunPython(forwards, backwards)]
