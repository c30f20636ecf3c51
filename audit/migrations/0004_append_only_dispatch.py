"""The dispatch event tables are append-only too (same trigger as 0002)."""

from django.db import migrations

from audit.migrations._append_only import forwards


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_track_dispatch")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
