"""Inbox and email outbox. Knows recipients, kinds and a target URL — not the domain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ISSUE_HANDED_OFF = "issue_handed_off", _("新交办问题")
    ISSUE_SUBMITTED = "issue_submitted", _("问题待核验")
    ISSUE_RETURNED = "issue_returned", _("问题被退回")
    ISSUE_CLOSED = "issue_closed", _("问题已销号")
    ISSUE_WITHDRAWN = "issue_withdrawn", _("问题已撤销")
    EXTENSION_REQUESTED = "extension_requested", _("延期申请")
    EXTENSION_DECIDED = "extension_decided", _("延期审批结果")
    INSTRUCTION = "instruction", _("领导批示")
    SIGN_OVERDUE = "sign_overdue", _("签收超时")
    DUE_SOON = "due_soon", _("整改即将到期")
    OVERDUE = "overdue", _("整改逾期")
    ESCALATION = "escalation", _("逾期升级督办")
    MEETING_REMINDER = "meeting_reminder", _("调度会提醒")
    MEETING_SCHEDULED = "meeting_scheduled", _("调度会安排")
    EXPORT_READY = "export_ready", _("导出已完成")
    EXPORT_FAILED = "export_failed", _("导出失败")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无需发送")


class Notification(models.Model):
    """One row per (kind, target, recipient, period). The row is written before any send, so the
    unique constraint is what makes every alert exactly-once in the inbox (its email is at-least-once:
    see notifications.delivery for the one window where it can be sent twice, under one Message-ID)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=NotificationKind.choices)
    target_type = models.CharField(_("对象类型"), max_length=30)
    target_id = models.PositiveBigIntegerField(_("对象编号"))
    period = models.CharField(
        _("周期"), max_length=40, help_text=_("同一周期内同一提醒只发一次，如日期、周次或事件编号")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    email_status = models.CharField(
        _("邮件状态"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    email_claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    # The Celery node that holds the claim: when that node starts again, its old claims are known dead.
    # (db_default: the set-based INSERT … SELECT of notify_from_select names only the columns it fills)
    email_claimed_by = models.CharField(_("认领进程"), max_length=200, blank=True, default="", db_default="")
    # Chosen by the first claim, before the first send, and reused by every re-send: a re-send after
    # a crash carries the same Message-ID, so a mail server or client can drop the duplicate.
    email_message_id = models.CharField(_("邮件 Message-ID"), max_length=255, blank=True, default="", db_default="")
    email_sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    email_error = models.TextField(_("发送错误"), blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id", "recipient", "period"], name="notification_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in NotificationKind]), name="notification_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["email_status"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailPreference(models.Model):
    """A user's opt-out of email for one kind. The in-app inbox is always on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=NotificationKind.choices)
    email_enabled = models.BooleanField(_("发送邮件"), default=True)

    class Meta:
        verbose_name = _("邮件偏好")
        verbose_name_plural = _("邮件偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
