from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from issues.models import Issue, IssueStatus
from projects.models import Project


def _row_counts() -> dict[str, int]:
    ours = ("accounts", "projects", "inspections", "issues", "dispatch", "notifications", "core")
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.app_label in ours}


@pytest.mark.django_db
def test_load_demo_twice_leaves_the_same_rows():
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = _row_counts()
    call_command("load_demo", stdout=StringIO())
    assert _row_counts() == first
    assert "inspector_zhang" in out.getvalue() and "pass-Dudao-2026" in out.getvalue()


@pytest.mark.django_db
def test_demo_tells_the_zhaotong_story():
    call_command("load_demo", stdout=StringIO())
    silicon = Project.objects.get(short_name="水电硅项目")
    assert str(silicon.investment) == "205.40" and str(silicon.expected_annual_output) == "300.00"
    assert silicon.expected_jobs == 12000 and str(silicon.land_area_mu) == "1918.00"
    assert Project.objects.get(short_name="旗滨光伏玻璃").investment == 110
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert statuses == set(IssueStatus.values)
    assert any(issue.is_overdue() for issue in Issue.objects.all())
    assert Issue.objects.filter(return_count__gt=0).exists()
    visit_methods = {m for visit in silicon.visits.all() for m in visit.methods}
    assert len(visit_methods) == 3
    kinds = set(silicon.visits.values_list("findings__kind", flat=True))
    assert {"demand", "difficulty", "blockage", "expectation"} <= kinds


@pytest.mark.django_db
def test_load_demo_refuses_a_database_the_settings_do_not_call_a_demo(settings):
    from django.core.management.base import CommandError

    from accounts.models import User

    settings.DUDAO_DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", stdout=StringIO())
    assert "DUDAO_DEMO_DATA_ALLOWED=true" in str(refused.value) and "演示" in str(refused.value)
    assert not User.objects.filter(username="admin").exists() and not Project.objects.exists()


def test_only_development_settings_allow_the_demo_by_default():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = "import django; django.setup(); from django.conf import settings; print(settings.DUDAO_DEMO_DATA_ALLOWED)"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DUDAO_"))}
    cases = [
        ({"DJANGO_SETTINGS_MODULE": "config.settings.local"}, "True"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.test"}, "True"),
        (
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": "x" * 60,
                "DJANGO_ALLOWED_HOSTS": "dudao.example.gov.cn",
            },
            "False",
        ),
    ]
    for extra, expected in cases:
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=root, env={**base_env, **extra}, capture_output=True, text=True
        )
        assert result.stdout.strip() == expected, (extra, result.stderr[-1000:])
