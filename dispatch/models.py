"""Dispatch meetings with their rules and decisions, and the stored monthly summaries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from issues.models import Issue
from projects.models import SupervisionGroup


class MeetingRule(models.Model):
    """When a group's monthly dispatch meeting falls: a day of the month, or the last <weekday>."""

    class Kind(models.TextChoices):
        DAY_OF_MONTH = "day_of_month", _("每月固定日期")
        LAST_WEEKDAY = "last_weekday", _("每月最后一个星期几")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("星期一")
        TUESDAY = 1, _("星期二")
        WEDNESDAY = 2, _("星期三")
        THURSDAY = 3, _("星期四")
        FRIDAY = 4, _("星期五")
        SATURDAY = 5, _("星期六")
        SUNDAY = 6, _("星期日")

    group = models.OneToOneField(
        SupervisionGroup, verbose_name=_("督导组"), on_delete=models.CASCADE, related_name="meeting_rule"
    )
    kind = models.CharField(_("规则"), max_length=20, choices=Kind.choices, default=Kind.DAY_OF_MONTH)
    day_of_month = models.PositiveSmallIntegerField(_("日期（1-28）"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices, null=True, blank=True)
    time = models.TimeField(_("开始时间"))
    place = models.CharField(_("地点"), max_length=200)
    invite_leaders = models.BooleanField(_("邀请领导参会"), default=True)
    invite_departments_with_open_issues = models.BooleanField(_("邀请有未办结问题的部门"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调度会规则")
        verbose_name_plural = _("调度会规则")
        constraints = [
            # Days 29-31 do not exist in every month: an impossible rule is refused by the database.
            models.CheckConstraint(
                condition=(Q(kind="day_of_month") & Q(day_of_month__gte=1) & Q(day_of_month__lte=28))
                | (Q(kind="last_weekday") & Q(weekday__gte=0) & Q(weekday__lte=6)),
                name="meeting_rule_day_valid",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DAY_OF_MONTH:
            return _("每月%(day)s日 %(time)s") % {"day": self.day_of_month, "time": f"{self.time:%H:%M}"}
        return _("每月最后一个%(weekday)s %(time)s") % {
            "weekday": self.get_weekday_display(),
            "time": f"{self.time:%H:%M}",
        }

    def clean(self) -> None:
        """The same rule as the CheckConstraint, with a message a group lead can act on."""
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.DAY_OF_MONTH:
            if self.day_of_month is None:
                raise ValidationError({"day_of_month": _("请填写每月召开的日期（1至28日）。")})
            if not 1 <= self.day_of_month <= 28:
                raise ValidationError(
                    {
                        "day_of_month": _(
                            "每月%(day)s日并非每个月都有（如2月只有28或29天），无法按月召开。"
                            "请选择1至28日，或改用“每月最后一个星期几”。"
                        )
                        % {"day": self.day_of_month}
                    }
                )
            self.weekday = None
        elif self.kind == self.Kind.LAST_WEEKDAY:
            if self.weekday is None or not 0 <= self.weekday <= 6:
                raise ValidationError({"weekday": _("请选择每月最后一周的星期几。")})
            self.day_of_month = None


class DispatchMeeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已安排")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    group = models.ForeignKey(
        SupervisionGroup, verbose_name=_("督导组"), on_delete=models.PROTECT, related_name="meetings"
    )
    month = models.DateField(_("所属月份"), help_text=_("该月第一天"))
    title = models.CharField(_("会议名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    place = models.CharField(_("地点"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人员"), related_name="dispatch_meetings", blank=True
    )
    attending_departments = models.ManyToManyField(
        Department, verbose_name=_("参会单位"), related_name="dispatch_meetings", blank=True
    )
    # Invited people are `attendees`; who actually came is recorded when the meeting is marked held.
    present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("实到人员"), related_name="dispatch_meetings_attended", blank=True
    )
    held_at = models.DateTimeField(_("召开确认时间"), null=True, blank=True)
    agenda_snapshot = models.JSONField(_("议程快照"), default=dict, blank=True)
    focus_next_month = models.TextField(_("下月督导重点与方式"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("调度会")
        verbose_name_plural = _("调度会")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="meeting_one_per_group_month"),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "held", "cancelled"]), name="meeting_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """What a meeting decided. A decision that hands off an issue points to it (dispatch -> issues)."""

    meeting = models.ForeignKey(
        DispatchMeeting, verbose_name=_("调度会"), on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField(_("决定事项"))
    responsible_department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    issue = models.OneToOneField(
        Issue, verbose_name=_("交办问题"), on_delete=models.PROTECT, null=True, blank=True, related_name="decision"
    )
    is_done = models.BooleanField(_("已落实"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="decision_text_not_empty")]

    def __str__(self) -> str:
        return self.text[:40]


class MonthlySummary(models.Model):
    """The figures of a closed month, frozen so a report never changes after it was read out.
    scope_key is 'all' for the city-wide summary or 'group-<id>' for one group's."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    scope_key = models.CharField(_("范围"), max_length=40, default="all")
    figures = models.JSONField(_("汇总数据"))
    narrative = models.TextField(_("通报文字"), blank=True)
    frozen_at = models.DateTimeField(_("冻结时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度调度汇总")
        verbose_name_plural = _("月度调度汇总")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["month", "scope_key"], name="summary_once_per_month_scope")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_key}"
