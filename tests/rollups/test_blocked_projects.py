"""The blocked projects the triggers keep (rollups.models.BlockedProject) equal the ones rebuilt
from the procedure stages after a random walk of stage writes (created, blocked, unblocked, moved
to another project, deleted), and the blockage board read through them equals the board computed
from every stage, as it was before the table existed."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from projects.models import ProcedureKind, ProcedureStage, ProcedureStatus
from reports import figures
from reports.figures import ReportScope, dashboard_scope_for
from rollups.models import BlockedProject
from rollups.services import rollup_snapshot, rollups_rebuild
from tests.factories import ProjectFactory


def _board_from_every_stage(project_ids: list[int] | None, today: dt.date) -> dict:
    """The blockage board as reports.figures computed it before the kept table: every stage of
    every project with a blocked stage, grouped here."""
    blocked = ProcedureStage.objects.filter(status=ProcedureStatus.BLOCKED)
    stages = ProcedureStage.objects.all()
    if project_ids is not None:
        blocked, stages = blocked.filter(project__in=project_ids), stages.filter(project__in=project_ids)
    rows = (
        stages.filter(project__in=blocked.values("project_id"))
        .order_by("project_id", "position", "pk")
        .values_list(
            "project_id", "project__name", "project__short_name", "kind", "status", "blocked_since", "blockage_note"
        )
    )
    labels = {value: str(label) for value, label in ProcedureStatus.choices}
    projects: dict[int, dict] = {}
    for project_id, name, short_name, kind, status, since, note in rows:
        project = projects.setdefault(
            project_id, {"id": project_id, "name": short_name or name, "cells": {}, "max_days": 0}
        )
        days = max((today - since).days, 0) if status == ProcedureStatus.BLOCKED and since else None
        previous = project["cells"].get(kind)
        if previous is None or (days or -1) > (previous["days"] or -1):
            project["cells"][kind] = {"status": status, "label": labels[status], "days": days, "note": note}
        project["max_days"] = max(project["max_days"], days or 0)
    listed = sorted(projects.values(), key=lambda p: (-p["max_days"], p["name"]))[: figures.BLOCKAGE_ROWS]
    used = {kind for project in listed for kind in project["cells"]}
    kinds = [{"kind": value, "label": str(label)} for value, label in ProcedureKind.choices if value in used]
    for project in listed:
        project["row"] = [project["cells"].get(k["kind"]) for k in kinds]
    return {"kinds": kinds, "projects": listed, "total": len(projects)}


@pytest.mark.django_db
def test_the_kept_blocked_projects_equal_the_rebuilt_ones_and_the_board_is_unchanged(world):
    rng = random.Random(5)
    today = timezone.localdate()
    # More projects than the board lists, some sharing a name's start, so ties and the cut matter.
    projects = [world.project, world.other_project] + [
        ProjectFactory(name=f"堵点项目{n % 7}号{n}", short_name=rng.choice(["", f"堵{n % 5}"])) for n in range(40)
    ]
    kinds = [value for value, _label in ProcedureKind.choices]
    stages: list[int] = []
    for step in range(400):
        choice = rng.random()
        statuses = [s.value for s in ProcedureStatus]
        status = ProcedureStatus.BLOCKED if rng.random() < 0.5 else rng.choice(statuses)
        since = today + dt.timedelta(days=rng.randint(-90, 3)) if status == ProcedureStatus.BLOCKED else None
        if choice < 0.45 or not stages:
            stage = ProcedureStage.objects.create(
                project=rng.choice(projects),
                kind=rng.choice(kinds),
                name=f"环节{step}",
                status=status,
                blocked_since=since,
                position=rng.randint(0, 9),
            )
            stages.append(stage.pk)
        elif choice < 0.8:
            ProcedureStage.objects.filter(pk=rng.choice(stages)).update(status=status, blocked_since=since)
        elif choice < 0.9:
            ProcedureStage.objects.filter(pk=rng.choice(stages)).update(project=rng.choice(projects))
        else:
            pk = rng.choice(stages)
            ProcedureStage.objects.filter(pk=pk).delete()
            stages.remove(pk)
    assert BlockedProject.objects.count() > figures.BLOCKAGE_ROWS
    maintained = rollup_snapshot()
    rollups_rebuild()
    assert rollup_snapshot() == maintained
    for day in (today, today + dt.timedelta(days=2), today + dt.timedelta(days=30)):
        assert figures._blockage_board(ReportScope(key="all", label="全市"), day) == _board_from_every_stage(None, day)
    scope = dashboard_scope_for(user=world.inspector)
    visible = list(
        figures._scoped(figures.Project.objects.all(), figures._project_pk_q(scope)).values_list("pk", flat=True)
    )
    assert figures._blockage_board(scope, today) == _board_from_every_stage(visible, today)
