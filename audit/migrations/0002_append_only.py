"""Audit rows cannot be changed or deleted by the application's database role (PostgreSQL)."""

from django.db import migrations

from audit.migrations._append_only import backwards, forwards


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
