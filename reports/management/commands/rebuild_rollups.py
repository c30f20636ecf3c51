"""manage.py rebuild_rollups [--check]: recount the rollups (the issues', rollups; the campaign
figures', clues.rollup) from the rows they count. It sits on the top floor: the two rollups'
apps are siblings that do not import each other."""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clues.services import clue_rollup_rebuild, clue_rollup_snapshot
from rollups.services import rollup_snapshot, rollups_rebuild


class Command(BaseCommand):
    help = "Recount the issue rollup and the clue rollup from the issues and the clues."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail if the recount differs from the maintained rollups."
        )

    def handle(self, *args, check: bool = False, **options):
        differing_total = 0
        rollups: tuple[tuple[str, Callable[[], Mapping[Any, int]], Callable[[], int]], ...] = (
            ("issue rollup", rollup_snapshot, rollups_rebuild),
            ("clue rollup", clue_rollup_snapshot, clue_rollup_rebuild),
        )
        for name, snapshot, rebuild in rollups:
            before = snapshot()
            rows = rebuild()
            after = snapshot()
            differing = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
            differing_total += len(differing)
            self.stdout.write(f"{name} rebuilt: {rows} rows, {len(differing)} differed from the maintained counts")
        if check and differing_total:
            raise CommandError(f"the maintained rollups differed in {differing_total} rows")
