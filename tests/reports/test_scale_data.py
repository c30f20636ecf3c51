"""generate_scale_data builds a consistent data set of the asked size (here 1/2000 of S)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from issues.models import Issue, IssueStatus, ProgressUpdate
from projects.models import Project
from reports.figures import ReportScope, current_month, dashboard_figures, monthly_figures
from reports.management.commands.generate_scale_data import DEFERRED_INDEX_TABLES

pytestmark = pytest.mark.django_db


def _indexes() -> list[tuple[str, str, bool]]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY (%s) ORDER BY 1",
            [list(DEFERRED_INDEX_TABLES)],
        )
        # A partial index's predicate reads back with its casts written differently once built
        # again (the same condition): compared up to its WHERE.
        return [(name, definition.split(" WHERE ")[0], " WHERE " in definition) for name, definition in cursor]


def test_scaled_down_data_set_has_the_asked_sizes_and_valid_rows():
    before = _indexes()
    call_command("generate_scale_data", scale=0.0005, months=24, departments=5)
    # the indexes dropped for the load are all back, as they were
    assert _indexes() == before
    assert Project.objects.filter(name__startswith="规模测试项目").count() == 2  # floor of 1
    assert Issue.objects.count() == 100
    assert ProgressUpdate.objects.count() == 500
    closed = Issue.objects.filter(status=IssueStatus.CLOSED)
    assert closed.exists() and not closed.filter(submitted_at__isnull=True).exists()
    assert not Issue.objects.filter(status=IssueStatus.IN_PROGRESS, signed_at__isnull=True).exists()
    # The reports run on it.
    city = ReportScope(key="all", label="全市")
    assert dashboard_figures(scope=city)["cards"]["total"] > 0
    assert monthly_figures(month=current_month().previous(), scope=city)["core"]["total_handed_off"] > 0
    with pytest.raises(CommandError):
        call_command("generate_scale_data", scale=0.0005)
