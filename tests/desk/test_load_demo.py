import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from issues.models import Issue, IssueStatus
from projects.models import Project


def _row_counts() -> dict[str, int]:
    ours = ("accounts", "projects", "inspections", "issues", "dispatch", "clues", "notifications", "core")
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
    # The story's campaign figures, counted from the demo's clues as the reports count them:
    # "查处……问题512件591人，给予党纪政务处分341人，通报曝光典型问题129件"
    from clues.figures import campaign_counts
    from clues.models import Clue, ClueStatus

    today = dt.date.today()
    to_date = campaign_counts(clues=Clue.objects.all(), first_day=today, last_day=today)["to_date"]
    assert (to_date["cases"], to_date["people"], to_date["sanctioned"], to_date["notified_cases"]) == (
        512,
        591,
        341,
        129,
    )
    assert to_date["form_1"] + to_date["form_2"] + to_date["form_3"] + to_date["form_4"] >= to_date["sanctioned"]
    statuses = set(Clue.objects.values_list("status", flat=True))
    assert {ClueStatus.REGISTERED, ClueStatus.HANDED_OVER, ClueStatus.VERIFYING, ClueStatus.CONCLUDED} <= statuses
    assert Clue.objects.filter(source="issue").exists() and Clue.objects.filter(source="finding").exists()


@pytest.mark.django_db
def test_the_demo_meeting_issue_pages_and_source_tell_one_story(client):
    """Last month's 调度会 keeps the agenda the planner froze (a date, counts, the blocked 林地
    stage), everyone invited is recorded present, the extension request and its history line agree,
    and a finding's kind is written once."""
    from dispatch.models import DispatchMeeting
    from issues.models import ExtensionRequest, IssueEvent
    from projects.models import ProcedureStage

    call_command("load_demo", stdout=StringIO())
    meeting = DispatchMeeting.objects.get()
    agenda = meeting.agenda_snapshot
    assert agenda["as_of"] and agenda["counts"]["open"] == len(agenda["issues"]) > 0
    assert agenda["counts"]["red"] == sum(row["light"] == "red" for row in agenda["issues"])
    forest = ProcedureStage.objects.get(status="blocked", kind="forest_land")
    stages = [stage for project in agenda["blockages"] for stage in project["stages"]]
    assert [stage["kind"] for stage in stages] == ["林地"]
    assert stages[0]["days_blocked"] == forest.days_blocked(dt.date.fromisoformat(agenda["as_of"]))
    assert set(meeting.present.all()) == set(meeting.attendees.all()) and meeting.attendees.count() == 7

    client.force_login(meeting.attendees.get(username="leader"))
    body = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "安排会议时（）" not in body and "未办结问题 <strong></strong>" not in body
    assert "无受阻的手续环节" not in body and "缺席" not in body and "实到" in body
    assert "应到 7 人，实到 7 人" in client.get("/meetings/").content.decode()

    for extension in ExtensionRequest.objects.all():
        events = IssueEvent.objects.filter(issue=extension.issue, action=IssueEvent.Action.EXTENSION_REQUEST)
        assert {event.data["requested_deadline"] for event in events} == {extension.requested_deadline.isoformat()}
        page = client.get(f"/issues/{extension.issue_id}/").content.decode()
        assert extension.requested_deadline.isoformat() in page
    for issue in Issue.objects.select_related("source_finding"):
        assert issue.description.count("。请责任单位") == 1, issue.description
        assert "。。" not in issue.description
        if issue.source_finding:
            label = issue.source_finding.get_kind_display()
            assert f"{label}：{label}" not in issue.source_finding.labelled
            page = client.get(f"/issues/{issue.pk}/").content.decode()
            assert f"{label}：{label}" not in page and issue.source_finding.labelled[:20] in page


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
