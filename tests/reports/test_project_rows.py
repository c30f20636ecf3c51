"""The live summary page's table of projects: its first rows read without a row per project
(reports.figures._project_rows_top) are exactly the first rows of the whole table."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues.models import IssueStatus
from reports.figures import ReportScope, current_month, monthly_figures
from tests.factories import IssueFactory, ProjectFactory

pytestmark = pytest.mark.django_db

CITY = ReportScope(key="all", label="全市")
OPEN = [IssueStatus.HANDED_OFF, IssueStatus.IN_PROGRESS, IssueStatus.SUBMITTED, IssueStatus.CLOSE_PROPOSED]


def _issues(project, department, *, overdue: int = 0, open_not_overdue: int = 0, closed: int = 0, withdrawn: int = 0):
    today = timezone.localdate()
    for _ in range(overdue):
        IssueFactory(
            project=project,
            lead_department=department,
            status=IssueStatus.IN_PROGRESS,
            handed_off_at=timezone.now() - dt.timedelta(days=20),
            sign_deadline=today - dt.timedelta(days=15),
            rectification_deadline=today - dt.timedelta(days=3),
        )
    for i in range(open_not_overdue):
        # Open but not overdue: a deadline to come, or submitted for verification (not overdue
        # though its deadline passed).
        submitted = i % 2 == 1
        IssueFactory(
            project=project,
            lead_department=department,
            status=IssueStatus.SUBMITTED if submitted else IssueStatus.IN_PROGRESS,
            submitted_at=timezone.now() if submitted else None,
            handed_off_at=timezone.now() - dt.timedelta(days=20),
            sign_deadline=today - dt.timedelta(days=15),
            rectification_deadline=today + dt.timedelta(days=-2 if submitted else 5),
        )
    for _ in range(closed):
        IssueFactory(project=project, lead_department=department, status=IssueStatus.CLOSED)
    for _ in range(withdrawn):
        IssueFactory(project=project, lead_department=department, status=IssueStatus.WITHDRAWN)


def _assert_first_rows_equal(limit_range) -> None:
    whole = monthly_figures(month=current_month(), scope=CITY)["projects"]
    for limit in limit_range:
        cut = monthly_figures(month=current_month(), scope=CITY, project_rows=limit)
        assert cut["projects"] == whole[:limit], limit
        assert cut["projects_complete"] == (len(whole) <= limit), limit


def test_first_rows_equal_the_whole_tables_with_ties(world):
    """Ties on open and on overdue (ordered by name), projects with more open but fewer overdue,
    and projects with only this month's closures or withdrawals (0 open: listed last, by name)."""
    department = world.lead_department
    shapes = [
        ("甲", 3, 0, 0, 0),
        ("乙", 3, 0, 0, 0),  # ties 甲: by name
        ("丙", 2, 6, 0, 0),  # fewer overdue, most open: after every project with 3 overdue
        ("丁", 2, 1, 1, 0),
        ("戊", 0, 5, 0, 0),
        ("己", 0, 0, 2, 0),  # news but nothing open
        ("庚", 0, 0, 0, 1),
        ("辛", 1, 0, 0, 0),
        ("壬", 1, 0, 0, 0),
        ("癸", 0, 1, 0, 0),
    ]
    for name, overdue, open_not_overdue, closed, withdrawn in shapes:
        project = ProjectFactory(name=f"项目{name}")
        _issues(
            project, department, overdue=overdue, open_not_overdue=open_not_overdue, closed=closed, withdrawn=withdrawn
        )
    _assert_first_rows_equal(range(1, 14))


def test_first_rows_equal_the_whole_table_over_random_projects(world):
    """Many projects, random shapes: many ties on the open count at every cut."""
    rng = random.Random(17)
    departments = [world.lead_department, world.other_department]
    for i in range(45):
        project = ProjectFactory(name=f"随机项目{rng.randrange(100):02d}-{i}")
        _issues(
            project,
            rng.choice(departments),
            overdue=rng.choice([0, 0, 1, 2, 3]),
            open_not_overdue=rng.choice([0, 1, 2, 4]),
            closed=rng.choice([0, 0, 1]),
            withdrawn=rng.choice([0, 0, 0, 1]),
        )
    _assert_first_rows_equal([1, 2, 3, 5, 8, 13, 30, 60])


def test_a_group_summary_cuts_its_own_table(world):
    second = ProjectFactory(name="第二个项目")
    world.group.projects.add(second)
    _issues(world.project, world.lead_department, overdue=2)
    _issues(second, world.lead_department, closed=1)
    group = ReportScope(key=f"group-{world.group.pk}", label="组", group_id=world.group.pk)
    whole = monthly_figures(month=current_month(), scope=group)["projects"]
    cut = monthly_figures(month=current_month(), scope=group, project_rows=1)
    assert cut["projects"] == whole[:1]
    assert cut["projects_complete"] == (len(whole) <= 1)


def test_projects_tied_on_open_are_ordered_by_overdue_then_name(world):
    """The open counts' index gives no order among ties: the projects tied with the last row are
    all read, and the database orders them as the whole table does."""
    for name, overdue, other in (("Project B", 3, 0), ("Project D", 1, 2), ("Project C", 3, 0), ("Project A", 3, 0)):
        _issues(ProjectFactory(name=name), world.lead_department, overdue=overdue, open_not_overdue=other)
    _issues(ProjectFactory(name="Project E"), world.lead_department, overdue=4)
    cut = monthly_figures(month=current_month(), scope=CITY, project_rows=3)
    assert [row["name"] for row in cut["projects"]] == ["Project E", "Project A", "Project B"]
    _assert_first_rows_equal(range(1, 6))


def test_page_says_the_table_is_cut(client, world, monkeypatch):
    monkeypatch.setattr("reports.views.SUMMARY_PROJECT_ROWS", 2)
    for name, overdue in (("项目一", 3), ("项目二", 2), ("项目三", 1)):  # open = overdue here
        _issues(ProjectFactory(name=name), world.lead_department, overdue=overdue)
    client.force_login(world.leader)
    response = client.get(reverse("reports:summary", kwargs={"month": current_month()}))
    body = response.content.decode()
    table = body.split('id="projects-table"', 1)[1].split("</table>", 1)[0]
    assert "项目一" in table and "项目二" in table and "项目三" not in table
    assert "按未办结问题数列出前2个项目，全部项目见Excel导出。" in body


def test_the_cut_table_reads_the_same_queries_for_few_and_many_projects(world):
    """Once more projects have open issues than the page lists, the queries stop growing."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            monthly_figures(month=current_month(), scope=CITY, project_rows=3)
        return len(ctx.captured_queries)

    for i in range(5):
        _issues(ProjectFactory(name=f"少量{i}"), world.lead_department, overdue=1 + i % 2)
    few = queries()
    for i in range(40):
        _issues(ProjectFactory(name=f"大量{i}"), world.lead_department, overdue=1 + i % 3, closed=i % 2)
    assert queries() == few


def test_the_bulletin_reads_no_project_and_says_the_same(world):
    """The Word 通报's job asks for no project row (reports.export_jobs): its text is the same as
    with the whole table, so the table is not what it reads."""
    from reports.services import summary_for

    for i in range(4):
        _issues(ProjectFactory(name=f"通报项目{i}"), world.lead_department, overdue=1 + i, closed=i % 2)
    whole = summary_for(month=current_month(), scope=CITY)
    none = summary_for(month=current_month(), scope=CITY, project_rows=0)
    assert none.figures["projects"] == [] and none.figures["projects_complete"] is False
    assert none.bulletin.as_dict() == whole.bulletin.as_dict()
    assert {k: v for k, v in none.figures.items() if not k.startswith("projects") and k != "computed_at"} == {
        k: v for k, v in whole.figures.items() if not k.startswith("projects") and k != "computed_at"
    }


def test_page_lists_the_first_decisions_and_counts_the_rest(client, september, monkeypatch):
    """The page's decisions table stops at SUMMARY_DECISION_ROWS and says how many more the Excel
    export holds; the 通报 on the page still counts every decision."""
    from reports.figures import Month

    monkeypatch.setattr("reports.views.SUMMARY_DECISION_ROWS", 1)
    client.force_login(september.world.leader)
    body = client.get(reverse("reports:summary", kwargs={"month": Month(2026, 9)})).content.decode()
    table = body.split('id="decisions"', 1)[1].split("</table>", 1)[0]
    assert "督促市自然资源局9月底前完成用地报批" in table and "下月重点督导林地手续" not in table
    assert "按会议时间列出前1项，另有1项议定事项见Excel导出。" in body
    assert "议定事项2项" in body
    monkeypatch.setattr("reports.views.SUMMARY_DECISION_ROWS", 2)
    body = client.get(reverse("reports:summary", kwargs={"month": Month(2026, 9)})).content.decode()
    assert "下月重点督导林地手续" in body and 'id="decisions-hidden"' not in body


def test_a_live_month_reads_only_the_decisions_the_page_shows_and_counts_them_all(client, world, monkeypatch):
    """The live month's page asks for its first SUMMARY_DECISION_ROWS decisions: the same first
    rows as the whole list, the counts of all of them in decisions_total / decisions_done, and the
    通报 on the page counting them all (reports.figures._decisions)."""
    from dispatch.models import Decision, DispatchMeeting

    month = current_month()
    meeting = DispatchMeeting.objects.create(
        group=world.group, month=month.first_day, title="本月调度会", starts_at=timezone.now(), place="会议室"
    )
    for n, done in ((1, True), (2, False), (3, False)):
        Decision.objects.create(meeting=meeting, text=f"议定事项第{n}项", created_by=world.inspector, is_done=done)
    whole = monthly_figures(month=month, scope=CITY)
    cut = monthly_figures(month=month, scope=CITY, decision_rows=2)
    assert cut["decisions"] == whole["decisions"][:2] and len(whole["decisions"]) == 3
    assert (cut["decisions_total"], cut["decisions_done"]) == (3, 1) and "decisions_total" not in whole
    with pytest.raises(ValueError):
        monthly_figures(month=month, scope=CITY, decision_rows=0)

    monkeypatch.setattr("reports.views.SUMMARY_DECISION_ROWS", 2)
    client.force_login(world.leader)
    body = client.get(reverse("reports:summary", kwargs={"month": month})).content.decode()
    table = body.split('id="decisions"', 1)[1].split("</table>", 1)[0]
    assert "议定事项第2项" in table and "议定事项第3项" not in table
    assert "按会议时间列出前2项，另有1项议定事项见Excel导出。" in body
    assert "议定事项3项" in body and "其中已落实1项" in body
