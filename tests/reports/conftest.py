"""A hand-built September 2026 whose every figure is known in advance (see test_figures.py).

Departments: D1 = world.lead_department, D2 = world.other_department.
Project A (group A) and project B (group B).

  A1  handed 09-02, deadline 09-20, submitted 09-18, closed 09-22         -> closed on time
  A2  handed 09-03, deadline 09-10, submitted 09-15, closed 09-16         -> closed after its deadline
  A3  handed 09-04, returned twice, deadline 09-25, submitted 09-24, closed 09-28 -> on time, reworked
  A4  handed 09-05, withdrawn 09-08                                         -> handed off, withdrawn
  A5  handed 09-06, deadline 09-15 extended to 10-20, submitted 10-09, closed 10-10 -> open, not overdue at end
  A5b handed 09-07, deadline 09-12 extended to 09-26, submitted 09-25, closed 09-27 -> on time thanks to extension
  A6  (D2) handed 08-20, deadline 09-10, still in progress                  -> overdue carried over
  A7  handed 09-10, deadline 09-30, in progress                             -> open, not overdue (deadline = last day)
  A8  handed 08-01, closed 08-20                                            -> cumulative only
  A9  handed 10-05                                                          -> not in September
  A10 handed 09-12, deadline 09-20, submitted 09-28, awaiting verification  -> open, not overdue at end
  B1  (D2, project B) handed 09-05, deadline 09-15, in progress             -> overdue (city and group B only)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from dispatch.models import Decision, DispatchMeeting
from inspections.models import SiteVisit
from issues.models import ExtensionRequest, Issue, IssueStatus
from reports.figures import Month
from tests.factories import IssueFactory, make_clue

SEPTEMBER = Month(2026, 9)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@dataclass
class September:
    world: object
    issues: dict[str, Issue]


def _issue(
    world,
    name,
    *,
    project=None,
    department=None,
    handed,
    deadline,
    status,
    submitted=None,
    closed=None,
    withdrawn=None,
    returns=0,
) -> Issue:
    return IssueFactory(
        code=f"SEP-{name}",
        title=f"九月问题{name}",
        project=project or world.project,
        lead_department=department or world.lead_department,
        handed_off_by=world.inspector,
        handed_off_at=handed,
        sign_deadline=handed.date() + dt.timedelta(days=2),
        rectification_deadline=deadline,
        status=status,
        signed_at=None if status in (IssueStatus.HANDED_OFF, IssueStatus.WITHDRAWN) else handed + dt.timedelta(days=1),
        submitted_at=submitted,
        closed_at=closed,
        withdrawn_at=withdrawn,
        return_count=returns,
    )


@pytest.fixture
def september(world) -> September:
    w, S = world, IssueStatus
    issues = {
        "A1": _issue(
            w, "A1", handed=at(9, 2), deadline=d(9, 20), status=S.CLOSED, submitted=at(9, 18), closed=at(9, 22)
        ),
        "A2": _issue(
            w, "A2", handed=at(9, 3), deadline=d(9, 10), status=S.CLOSED, submitted=at(9, 15), closed=at(9, 16)
        ),
        "A3": _issue(
            w,
            "A3",
            handed=at(9, 4),
            deadline=d(9, 25),
            status=S.CLOSED,
            submitted=at(9, 24),
            closed=at(9, 28),
            returns=2,
        ),
        "A4": _issue(w, "A4", handed=at(9, 5), deadline=d(9, 20), status=S.WITHDRAWN, withdrawn=at(9, 8)),
        "A5": _issue(
            w, "A5", handed=at(9, 6), deadline=d(10, 20), status=S.CLOSED, submitted=at(10, 9), closed=at(10, 10)
        ),
        "A5b": _issue(
            w, "A5b", handed=at(9, 7), deadline=d(9, 26), status=S.CLOSED, submitted=at(9, 25), closed=at(9, 27)
        ),
        "A6": _issue(w, "A6", department=w.other_department, handed=at(8, 20), deadline=d(9, 10), status=S.IN_PROGRESS),
        "A7": _issue(w, "A7", handed=at(9, 10), deadline=d(9, 30), status=S.IN_PROGRESS),
        "A8": _issue(
            w, "A8", handed=at(8, 1), deadline=d(8, 25), status=S.CLOSED, submitted=at(8, 19), closed=at(8, 20)
        ),
        "A9": _issue(w, "A9", handed=at(10, 5), deadline=d(10, 30), status=S.HANDED_OFF),
        "A10": _issue(w, "A10", handed=at(9, 12), deadline=d(9, 20), status=S.SUBMITTED, submitted=at(9, 28)),
        "B1": _issue(
            w,
            "B1",
            project=w.other_project,
            department=w.other_department,
            handed=at(9, 5),
            deadline=d(9, 15),
            status=S.IN_PROGRESS,
        ),
    }
    # The extensions granted (the deadlines above are already the extended ones, as the service leaves them).
    for name, previous in (("A5", d(9, 15)), ("A5b", d(9, 12))):
        issue = issues[name]
        ExtensionRequest.objects.create(
            issue=issue,
            requested_by=w.lead_liaison,
            reason="征地补偿尚未完成",
            current_deadline=previous,
            requested_deadline=issue.rectification_deadline,
            status=ExtensionRequest.Status.APPROVED,
            decided_by=w.inspector,
            decided_at=at(9, 9),
        )
    # The campaign: a case of 3 people (2 sanctioned, both named in a notice), an August case of 1,
    # an October clue of 5 not yet disposed of.
    make_clue(
        issue=issues["A1"],
        title="某局干部推诿扯皮问题线索",
        received_on=d(9, 10),
        people=3,
        filed_on=d(9, 12),
        concluded_on=d(9, 25),
        outcomes=(
            {"supervision_form": "2", "party_sanction": "warning", "decided_on": d(9, 25)},
            {"supervision_form": "2", "government_sanction": "demerit", "decided_on": d(9, 25)},
            {"supervision_form": "1", "decided_on": d(9, 25)},
        ),
        exposed_on=d(9, 26),
        named=2,
        created_by=w.inspector,
    )
    make_clue(
        issue=issues["B1"],
        title="某县审批拖延问题线索",
        received_on=d(8, 15),
        people=1,
        filed_on=d(8, 20),
        concluded_on=d(8, 30),
        outcomes=(
            {
                "supervision_form": "3",
                "party_sanction": "probation",
                "government_sanction": "dismissal_from_post",
                "organizational_measure": "removal",
                "decided_on": d(8, 30),
            },
        ),
        created_by=w.inspector,
    )
    make_clue(issue=issues["A9"], title="十月线索", received_on=d(10, 6), people=5, created_by=w.inspector)
    visit = dict(summary="检查情况。", created_by=w.inspector, place="项目现场")
    SiteVisit.objects.create(project=w.project, visited_on=d(9, 3), method_forum=True, method_onsite=True, **visit)
    SiteVisit.objects.create(project=w.project, visited_on=d(9, 20), method_documents=True, is_recheck=True, **visit)
    SiteVisit.objects.create(project=w.project, visited_on=d(10, 2), method_onsite=True, **visit)
    SiteVisit.objects.create(project=w.other_project, visited_on=d(9, 5), method_onsite=True, **visit)
    SiteVisit.objects.create(project=w.project, visited_on=d(9, 6), method_onsite=True, is_archived=True, **visit)
    meeting = DispatchMeeting.objects.create(
        group=w.group, month=d(9, 1), title="水电硅项目9月调度会", starts_at=at(9, 25, 15), place="市纪委会议室"
    )
    Decision.objects.create(
        meeting=meeting,
        text="督促市自然资源局9月底前完成用地报批",
        created_by=w.inspector,
        responsible_department=w.lead_department,
        due_on=d(9, 30),
    )
    Decision.objects.create(meeting=meeting, text="下月重点督导林地手续", created_by=w.inspector, issue=issues["A7"])
    other = DispatchMeeting.objects.create(
        group=w.other_group, month=d(10, 1), title="光伏玻璃项目10月调度会", starts_at=at(10, 25, 15), place="会议室"
    )
    Decision.objects.create(meeting=other, text="十月事项", created_by=w.other_inspector)
    return September(world=w, issues=issues)
