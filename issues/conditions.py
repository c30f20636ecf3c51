"""The deadline facts of an issue, each written once and read both ways: as a Python predicate on
one issue (a page, a notification) and as a SQL condition over many (the ledger, the alerts, the
figures). Derived, never stored.

- overdue 逾期: the department still owes work (已交办 or 整改中) and the rectification deadline passed;
- due soon 临期: the department still owes work and the deadline is today or within the due-soon
  cutoff (DUE_SOON_WORKING_DAYS working days, see issues.lights.due_soon_cutoff);
- sign overdue 超期未签收: still 已交办 and the sign-for deadline passed;
- finished 已办结: closed or withdrawn;
- closed on time 按期销号: closed, and the day the department finished (its last submission for
  verification; the close when none is recorded) is on or before the deadline in force (extensions
  already applied). From submission on the department no longer owes work, so the inspectors'
  verification time is not held against it.

A condition is a small tree of comparisons of an issue's columns with named bounds (`today`,
`due_soon`); `.q(prefix=…, today=…)` builds the Q, `.holds(issue, today=…)` evaluates it in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate

from issues.models import DEPARTMENT_OWES_STATUSES, IssueEvent, IssueStatus


class Condition:
    """A predicate over an issue's status and deadlines, written once for Python and SQL."""

    def q(self, *, prefix: str = "", **bounds: Any) -> Q:
        raise NotImplementedError

    def holds(self, issue: Any, **bounds: Any) -> bool:
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return _Join(self, other, all, Q.__and__)

    def __or__(self, other: Condition) -> Condition:
        return _Join(self, other, any, Q.__or__)


@dataclass(frozen=True)
class _Join(Condition):
    left: Condition
    right: Condition
    python: Callable
    sql: Callable

    def q(self, *, prefix: str = "", **bounds: Any) -> Q:
        return self.sql(self.left.q(prefix=prefix, **bounds), self.right.q(prefix=prefix, **bounds))

    def holds(self, issue: Any, **bounds: Any) -> bool:
        return self.python(part.holds(issue, **bounds) for part in (self.left, self.right))


@dataclass(frozen=True)
class StatusIn(Condition):
    statuses: tuple[str, ...]

    def q(self, *, prefix: str = "", **bounds: Any) -> Q:
        return Q(**{f"{prefix}status__in": self.statuses})

    def holds(self, issue: Any, **bounds: Any) -> bool:
        return issue.status in self.statuses


# Comparisons of a date column with a named bound: (Python test, lookup).
_COMPARISONS: dict[str, tuple[Callable[[dt.date, dt.date], bool], str]] = {
    "<": (lambda value, bound: value < bound, "lt"),
    "<=": (lambda value, bound: value <= bound, "lte"),
    ">=": (lambda value, bound: value >= bound, "gte"),
}


@dataclass(frozen=True)
class Compare(Condition):
    field: str
    operator: str
    bound: str  # the name of the bound the caller passes: today, due_soon

    def q(self, *, prefix: str = "", **bounds: Any) -> Q:
        return Q(**{f"{prefix}{self.field}__{_COMPARISONS[self.operator][1]}": bounds[self.bound]})

    def holds(self, issue: Any, **bounds: Any) -> bool:
        return _COMPARISONS[self.operator][0](getattr(issue, self.field), bounds[self.bound])


OWES_WORK = StatusIn(tuple(DEPARTMENT_OWES_STATUSES))
FINISHED = StatusIn((IssueStatus.CLOSED, IssueStatus.WITHDRAWN))
OVERDUE = OWES_WORK & Compare("rectification_deadline", "<", "today")
DUE_SOON = (
    OWES_WORK & Compare("rectification_deadline", ">=", "today") & Compare("rectification_deadline", "<=", "due_soon")
)
SIGN_OVERDUE = StatusIn((IssueStatus.HANDED_OFF,)) & Compare("sign_deadline", "<", "today")


# --- closed on time -----------------------------------------------------------------------


def done_on() -> TruncDate:
    """The local day the department finished: its last submission, else the close (`alias` or
    `annotate` it as `done_on` for on_time_q)."""
    return TruncDate(Coalesce("submitted_at", "closed_at"))


def never_reopened_q() -> Q:
    """Never reopened: a 回头看 that found the problem back (反弹 / 未整改到位) reopened the issue
    after its 销号. Such an issue counts as rework and is never on time, however it closes again."""
    return Q(~Exists(IssueEvent.objects.filter(issue=OuterRef("pk"), action=IssueEvent.Action.REOPEN)))


def on_time_q() -> Q:
    """按期销号 over rows carrying `done_on` (see done_on): closed, finished by the deadline in force,
    and never reopened."""
    return Q(closed_at__isnull=False, done_on__lte=F("rectification_deadline")) & never_reopened_q()
