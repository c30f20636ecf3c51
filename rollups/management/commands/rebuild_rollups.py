"""manage.py rebuild_rollups [--check]: recount the issue rollup from the issues."""

from django.core.management.base import BaseCommand, CommandError

from rollups.services import rollup_snapshot, rollups_rebuild


class Command(BaseCommand):
    help = "Recount the issue rollup (rollups.models.IssueRollup) from the issues."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail if the recount differs from the maintained rollup."
        )

    def handle(self, *args, check: bool = False, **options):
        before = rollup_snapshot()
        rows = rollups_rebuild()
        after = rollup_snapshot()
        differing = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        self.stdout.write(f"rollup rebuilt: {rows} rows, {len(differing)} differed from the maintained counts")
        if check and differing:
            raise CommandError(f"the maintained rollup differed in {len(differing)} rows")
