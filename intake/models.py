"""An Excel 问题清单 import: the batch (the uploaded file, kept; its state), one row per line of the
sheet with what it said, what was wrong with it and the issue it became, the batch's events, and
the 交办函 each lead department gets for the batch.

Rows and the file are never deleted: a batch that was abandoned keeps both, so what an inspector
uploaded and what the system made of it can always be shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.models import StoredFile
from issues.models import Issue
from reports.models import DocumentNumber


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    # A large batch is handed off by a Celery task (intake.tasks): confirmed, not yet finished.
    HANDING_OFF = "handing_off", _("交办中")
    HANDED_OFF = "handed_off", _("已交办")
    ABANDONED = "abandoned", _("已放弃")


class ImportBatch(StoredFile):
    """One uploaded 问题清单. Its status moves only through intake.services, by compare-and-set:
    previewed → handed_off (once: a second confirmation finds it moved and hands nothing off),
    previewed → handing_off → handed_off (or back to previewed with `failure`) for a large batch
    handed off in the background, or previewed → abandoned."""

    status = models.CharField(_("状态"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    valid_count = models.PositiveIntegerField(_("无误行数"), default=0)
    error_count = models.PositiveIntegerField(_("有误行数"), default=0)
    handed_off_count = models.PositiveIntegerField(_("已交办件数"), default=0)
    # He chose to hand off only the rows without errors (the others were left out knowingly).
    only_valid = models.BooleanField(_("仅交办无误行"), default=False)
    confirmed_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    # Why the last background hand-off was refused (the batch went back to 待确认), for the page.
    failure = models.TextField(_("交办失败原因"), blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("问题清单导入批次")
        verbose_name_plural = _("问题清单导入批次")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-uploaded_at"], name="intake_batch_uploader")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in BatchStatus]), name="intake_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="handed_off") | Q(confirmed_at__isnull=False), name="intake_batch_confirmed_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="abandoned") | Q(abandoned_at__isnull=False), name="intake_batch_abandoned_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == BatchStatus.PREVIEWED


class ImportRow(models.Model):
    """One non-empty line of the sheet: the cells as written (`cells`, text per column key), the
    errors found (`errors`: [{"column": key or "", "message": text}]), what the cells resolved to
    (`resolved`: ids, choices, deadline rules) and, once handed off, the issue."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT, related_name="rows")
    number = models.PositiveIntegerField(_("表格行号"))
    cells = models.JSONField(_("单元格内容"), default=dict)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    resolved = models.JSONField(_("解析结果"), default=dict, blank=True)
    is_valid = models.BooleanField(_("无误"), default=False)
    issue = models.OneToOneField(
        Issue,
        verbose_name=_("交办问题"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_row",
    )

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="intake_row_once_per_line")]
        indexes = [models.Index(fields=["batch", "is_valid", "number"], name="intake_row_valid")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class ImportBatchEvent(models.Model):
    """Every change of a batch: uploaded (with its counts), handed off, abandoned."""

    class Action(models.TextChoices):
        UPLOAD = "upload", _("上传预览")
        REVALIDATE = "revalidate", _("重新校验")
        QUEUE = "queue", _("确认交办（后台办理）")
        FAIL = "fail", _("后台交办未成功")
        HAND_OFF = "hand_off", _("确认交办")
        ABANDON = "abandon", _("放弃导入")

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次记录")
        verbose_name_plural = _("导入批次记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.action}"


class ImportLetter(models.Model):
    """The 交办函 of a handed-off batch to one lead department: its number is taken when the batch
    is handed off (reports.documents.letters), so the letter reads the same whenever it is printed."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT, related_name="letters")
    department = models.ForeignKey(Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    number = models.ForeignKey(DocumentNumber, verbose_name=_("发文字号"), on_delete=models.PROTECT, related_name="+")
    issue_count = models.PositiveIntegerField(_("问题件数"))

    class Meta:
        verbose_name = _("批次交办函")
        verbose_name_plural = _("批次交办函")
        ordering = ["batch", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "department"], name="intake_letter_once_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.department_id}"
