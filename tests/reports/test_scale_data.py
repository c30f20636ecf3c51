"""generate_scale_data builds a consistent data set of the asked size (here 1/2000 of S)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from issues.models import Issue, IssueStatus, ProgressUpdate
from projects.models import Project
from reports.figures import ReportScope, current_month, dashboard_figures, monthly_figures

pytestmark = pytest.mark.django_db


def test_scaled_down_data_set_has_the_asked_sizes_and_valid_rows():
    call_command("generate_scale_data", scale=0.0005, months=24, departments=5)
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
