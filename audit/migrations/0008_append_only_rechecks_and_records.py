"""The event tables added since 0004 (evidence reviews, 回头看, project record changes) are
append-only too (same trigger as 0002)."""

from django.db import migrations

from audit.migrations._append_only import backwards, forwards


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_track_rechecks_and_project_records")]

    operations = [migrations.RunPython(forwards, backwards)]
