"""约谈 and 提醒谈话: a leader or a group lead talks with a department's responsible person about
its issues and its place on the 红黑榜, and records what was agreed, with follow-up commitments
that each have a deadline in working days.

Talks sit beside dispatch (talks -> issues, projects, accounts). The 红黑榜 is decided on the top
floor (reports.ranking), so a talk stores the snapshot it was held under (`ranking_*`), handed in
by the caller: a month's list never changes after it was read out, and neither does the talk's.
Nothing here is hard-deleted; every write goes through talks.services and leaves a TalkEvent.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from issues.models import Issue
from projects.models import SupervisionGroup


class TalkKind(models.TextChoices):
    INTERVIEW = "interview", _("约谈")
    REMINDER = "reminder", _("提醒谈话")


class RankingList(models.TextChoices):
    RED = "red", _("红榜")
    BLACK = "black", _("黑榜")
    NONE = "", _("未列榜")


class Talk(models.Model):
    kind = models.CharField(_("谈话类型"), max_length=20, choices=TalkKind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("谈话单位"), on_delete=models.PROTECT, related_name="talks"
    )
    # The group on whose behalf the talk was held; None: held by a leader for the commission.
    group = models.ForeignKey(
        SupervisionGroup,
        verbose_name=_("督导组"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talks",
    )
    held_on = models.DateField(_("谈话日期"))
    place = models.CharField(_("谈话地点"), max_length=200, blank=True)
    interviewee_name = models.CharField(_("谈话对象"), max_length=50)
    interviewee_post = models.CharField(_("谈话对象职务"), max_length=100)
    led_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("谈话人"), on_delete=models.PROTECT, related_name="talks_led"
    )
    reason = models.TextField(_("谈话事由"))
    issues = models.ManyToManyField(Issue, verbose_name=_("相关问题"), related_name="talks", blank=True)
    # The department's place on the 红黑榜 the talk was held under (reports.ranking), as read out.
    ranking_month = models.CharField(_("红黑榜月份"), max_length=7, blank=True, help_text=_("yyyy-mm"))
    ranking_list = models.CharField(
        _("红黑榜"), max_length=10, choices=RankingList.choices, blank=True, default=RankingList.NONE
    )
    ranking_reason = models.TextField(_("列榜理由"), blank=True)
    agreed = models.TextField(_("谈话要求及表态"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="talks_recorded"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["held_on"], name="talk_held_on")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["interview", "reminder"]), name="talk_kind_valid"),
            models.CheckConstraint(condition=Q(ranking_list__in=["", "red", "black"]), name="talk_ranking_valid"),
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(agreed="") & ~Q(interviewee_name=""), name="talk_text_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.department}"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("待落实")
    FULFILLED = "fulfilled", _("已落实")


class Commitment(models.Model):
    """A follow-up the department committed to in the talk, due `working_days` working days after
    the talk (core.workdays, holidays and 调休 counted). Overdue is derived: open past `due_on`."""

    talk = models.ForeignKey(Talk, verbose_name=_("约谈记录"), on_delete=models.PROTECT, related_name="commitments")
    text = models.TextField(_("整改承诺事项"))
    working_days = models.PositiveSmallIntegerField(_("完成时限（工作日）"))
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(
        _("落实情况"), max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    fulfilled_on = models.DateField(_("落实日期"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fulfilment_note = models.TextField(_("落实说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("约谈承诺事项")
        verbose_name_plural = _("约谈承诺事项")
        ordering = ["talk", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="commitment_open_due")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "fulfilled"]), name="commitment_status_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="commitment_text_not_empty"),
            # A fulfilled commitment says when, by whom and how; an open one carries none of it.
            models.CheckConstraint(
                condition=(Q(status="open") & Q(fulfilled_on__isnull=True) & Q(fulfilled_by__isnull=True))
                | (
                    Q(status="fulfilled")
                    & Q(fulfilled_on__isnull=False)
                    & Q(fulfilled_by__isnull=False)
                    & ~Q(fulfilment_note="")
                ),
                name="commitment_fulfilment_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_on < today


class TalkEvent(models.Model):
    class Action(models.TextChoices):
        RECORD = "record", _("记录谈话")
        FULFIL = "fulfil", _("确认承诺落实")

    talk = models.ForeignKey(Talk, verbose_name=_("约谈记录"), on_delete=models.PROTECT, related_name="events")
    commitment = models.ForeignKey(
        Commitment, verbose_name=_("承诺事项"), on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="talk_events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("约谈操作记录")
        verbose_name_plural = _("约谈操作记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"
