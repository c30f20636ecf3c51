"""The issue rollup: how many issues share one set of the facts the figures count.

One table, nine kinds of row (`Kind`), each keyed by (project, lead department, category, and the
kind's own status, days and flags) with a count `n`. Every issue contributes one row of each kind
that applies to it (see rollups.sql.facts, the one definition). Database triggers on issues_issue
(and on the first reopen event of an issue) move the counts in the same transaction as the change
(rollups.sql; migrations rollups 0002, 0004), on PostgreSQL and SQLite alike: never a periodic job.
`manage.py rebuild_rollups` recomputes the table from the issues.

Every fact is counted under the issue's project (S, O, H, W, C keyed by department and category,
and P, the project's open count, under department 0), so a scoped reader (a group, an inspector's
projects) sums an IN over its projects; and under project 0 (rollups.sql.CITY) at the coarse
grains the whole city's figures read (rollups.sql.city_branches): every department and category
(department 0, category ''), per department, per category. A city read is then a bounded number
of rows whatever the issues and the projects (rollups.selectors.city_rows). Handed off, withdrawn
and closed are counted per local month (day1 = its first day).

The counts never depend on the day they are read: what changes with the date (red, overdue, due
soon) is a range over the deadlines of the open issues. The city counts them per day (O), per
quarter of a month (Q) and per month (M), so "overdue today" sums the months before this one,
this month's quarters before today's and at most seven days: the day turning moves nothing.
Rows whose count fell to 0 stay (the triggers only add and subtract): readers filter n > 0 where a
row's mere presence would matter (a minimum), and sums are unaffected.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from projects.models import Project

# The city's rows (project 0, rollups.sql.CITY) at a coarse grain: every department, every category.
ALL_DEPARTMENTS = 0
ALL_CATEGORIES = ""


def quarter_of(day: dt.date) -> dt.date:
    """The first day of the quarter of a month `day` falls in (the QUARTER rows' day1)."""
    return day.replace(day=1 + (day.day - 1) // 7 * 7)


# The day of a fact that has none (unique constraints treat NULLs as distinct, so upserts need a value).
NO_DAY = dt.date(1970, 1, 1)


class Kind(models.TextChoices):
    # Every issue: its status, closed on time (issues.conditions.on_time_q), returned at least once.
    STATE = "S", _("状态")
    # Open issues: day1 = rectification deadline, day2 = sign-for deadline while 已交办 (NO_DAY
    # after signing), `submitted` = submitted for verification (submitted_at set). Red and yellow
    # (by status: the department owes work) and overdue (not submitted) are ranges over these.
    OWES = "O", _("待整改")
    # Handed off and not withdrawn: day1 = the local month it was handed off (its first day).
    HANDED_OFF = "H", _("交办")
    # Withdrawn: day1 = the local month of the withdrawal.
    WITHDRAWN = "W", _("撤销")
    # Closed (closed_at set): day1 = the local month closed; on time, reworked.
    CLOSED = "C", _("销号")
    # Open issues of a project (project rows only, department 0): the dashboard's top projects.
    PROJECT_OPEN = "P", _("项目待整改")
    # The city's open issues by the quarter of a month (Q: day1 = the 1st, 8th, 15th, 22nd or 29th)
    # and by the month (M: day1 = its first day) of their rectification deadline (rollups.sql.city_branches).
    QUARTER = "Q", _("待整改（按周）")
    MONTH = "M", _("待整改（月）")
    # The city's late sign-fors per department: day1 = the sign-for deadline.
    LATE_SIGN_FOR = "L", _("签收不及时")
    # The city's closures per department by local day closed (X: day1), and per local month closed
    # (Y: day1) by local day handed off (day2): the working days to close, summed by the reader
    # (the hand-off days of the last year weighed in the database: rollups.selectors.city_rows).
    CLOSE_DAY = "X", _("销号（按日）")
    CLOSED_HANDED_OFF_DAY = "Y", _("销号问题交办日")


class IssueRollup(models.Model):
    kind = models.CharField(_("类型"), max_length=1, choices=Kind.choices)
    # Not enforced by the database: the triggers write these from the issue row, which is; project
    # 0 (rollups.sql.CITY) holds the whole city's rows.
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(_("问题类别"), max_length=30)
    status = models.CharField(_("状态"), max_length=20, default="")
    day1 = models.DateField(_("日期"), default=NO_DAY)
    day2 = models.DateField(_("日期二"), default=NO_DAY)
    on_time = models.BooleanField(_("按期销号"), default=False)
    reworked = models.BooleanField(_("返工"), default=False)
    submitted = models.BooleanField(_("已提交核验"), default=False)
    n = models.IntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("问题统计汇总")
        verbose_name_plural = _("问题统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "project",
                    "department",
                    "category",
                    "status",
                    "day1",
                    "day2",
                    "on_time",
                    "reworked",
                    "submitted",
                ],
                name="rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["kind", "day1"], name="rollup_kind_day"),
            models.Index(fields=["kind", "department", "day1"], name="rollup_kind_department_day"),
            # The city's open issues by project (the dashboard's project chart) read the project rows.
            models.Index(fields=["kind", "status", "project"], name="rollup_kind_status_project"),
            # The city's reads: a day range of one kind of its rows (rollups.sql.city_branches).
            models.Index(fields=["project", "kind", "day1"], name="rollup_project_kind_day"),
            # The dashboard's top projects: the projects with the most open issues first.
            models.Index(fields=["kind", "-n", "project"], name="rollup_kind_n"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.project_id}/{self.department_id}/{self.category} {self.day1}: {self.n}"


class BlockedProject(models.Model):
    """A project with at least one blocked procedure stage, and the day its oldest blockage began
    (the blockage board's order: reports.figures._blockage_board). Kept by triggers on the stages
    in the change's own transaction (rollups.sql.blocked_install_sql; migration rollups 0005),
    rebuilt with the rollup (`manage.py rebuild_rollups`)."""

    project = models.OneToOneField(
        Project,
        verbose_name=_("项目"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    since = models.DateField(_("受阻起始日"))

    class Meta:
        verbose_name = _("受阻项目")
        verbose_name_plural = _("受阻项目")
        indexes = [models.Index(fields=["since", "project"], name="blocked_project_since")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.since}"
