"""Who sees which issue (selectors), and the traffic light in Python and SQL agree."""

import datetime as dt

import pytest
import time_machine
from django.http import Http404

from issues.lights import light_annotation
from issues.models import Issue, IssueStatus, Light
from issues.selectors import issue_get_for_user, issue_list_visible_to
from projects.selectors import project_list_visible_to
from tests.factories import IssueFactory

SEES_ISSUE = {
    "leader": True,
    "admin": True,
    "inspector": True,
    "group_lead": True,
    "authorized_inspector": True,
    "other_inspector": False,
    "lead_liaison": True,
    "assisting_liaison": True,
    "other_liaison": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "sees"), SEES_ISSUE.items())
def test_issue_scope_per_role(world, role, sees):
    issue = world.hand_off()
    user = getattr(world, role)
    assert list(issue_list_visible_to(user=user)) == ([issue] if sees else [])
    if sees:
        assert issue_get_for_user(user=user, pk=issue.pk) == issue
    else:
        with pytest.raises(Http404):
            issue_get_for_user(user=user, pk=issue.pk)


@pytest.mark.django_db
def test_issue_with_two_assisting_departments_is_listed_once(world):
    issue = world.hand_off(assisting_departments=[world.assisting_department, world.other_department])
    assert list(issue_list_visible_to(user=world.assisting_liaison)) == [issue]
    assert issue_list_visible_to(user=world.other_liaison).count() == 1


@pytest.mark.django_db
def test_expired_authorization_loses_the_project(world):
    assert world.project in project_list_visible_to(user=world.authorized_inspector)
    world.authorized_inspector.authorizations.update(valid_to=dt.date(2020, 1, 1), valid_from=dt.date(2019, 1, 1))
    assert world.project not in project_list_visible_to(user=world.authorized_inspector)


@pytest.mark.django_db
def test_project_scope(world):
    assert set(project_list_visible_to(user=world.leader)) == {world.project, world.other_project}
    assert list(project_list_visible_to(user=world.inspector)) == [world.project]
    assert list(project_list_visible_to(user=world.other_inspector)) == [world.other_project]
    assert list(project_list_visible_to(user=world.lead_liaison)) == []


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_light_python_and_sql_agree():
    # Monday 16 Nov 2026: three working days ahead is Thursday 19 Nov.
    cases = {
        "green": dict(sign_deadline=dt.date(2026, 11, 18), rectification_deadline=dt.date(2026, 12, 1)),
        "yellow_due_soon": dict(
            status=IssueStatus.IN_PROGRESS,
            sign_deadline=dt.date(2026, 11, 10),
            rectification_deadline=dt.date(2026, 11, 19),
        ),
        "yellow_unsigned": dict(sign_deadline=dt.date(2026, 11, 13), rectification_deadline=dt.date(2026, 12, 1)),
        "red": dict(
            status=IssueStatus.IN_PROGRESS,
            sign_deadline=dt.date(2026, 11, 1),
            rectification_deadline=dt.date(2026, 11, 13),
        ),
        "submitted_late_is_not_red": dict(
            status=IssueStatus.SUBMITTED,
            sign_deadline=dt.date(2026, 11, 1),
            rectification_deadline=dt.date(2026, 11, 13),
        ),
        "closed": dict(
            status=IssueStatus.CLOSED, sign_deadline=dt.date(2026, 11, 1), rectification_deadline=dt.date(2026, 11, 13)
        ),
    }
    expected = {
        "green": Light.GREEN,
        "yellow_due_soon": Light.YELLOW,
        "yellow_unsigned": Light.YELLOW,
        "red": Light.RED,
        "submitted_late_is_not_red": Light.GREEN,
        "closed": Light.NONE,
    }
    ids = {name: IssueFactory(title=name, **values).pk for name, values in cases.items()}
    today = dt.date(2026, 11, 16)
    annotated = dict(Issue.objects.annotate(light_now=light_annotation(today=today)).values_list("title", "light_now"))
    for name, pk in ids.items():
        issue = Issue.objects.get(pk=pk)
        assert issue.light(today) == expected[name], name
        assert annotated[name] == expected[name].value, name
    assert Issue.objects.get(pk=ids["red"]).is_overdue(today)
    assert Issue.objects.get(pk=ids["red"]).overdue_working_days(today) == 1
