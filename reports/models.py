"""The numbers of the official documents Dudao issues (发文字号): one counter per kind and year,
never reused, and the same document re-exported keeps the number it was given first; and the
background export jobs (ExportJob, built by reports.tasks.run_export_job) with their events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    BULLETIN = "bulletin", _("通报")
    MINUTES = "minutes", _("会议纪要")
    HANDOFF_LETTER = "handoff_letter", _("问题交办函")
    SUPERVISION = "supervision", _("督办单")


class DocumentCounter(models.Model):
    """The last number given for a kind in a year; locked (SELECT … FOR UPDATE) while the next
    number is taken, so two exports at once never get the same one."""

    kind = models.CharField(_("文种"), max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    last_number = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        verbose_name = _("发文字号计数")
        verbose_name_plural = _("发文字号计数")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="document_counter_once_per_kind_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.last_number}"


class DocumentNumber(models.Model):
    """One issued document: `key` names what it is (the November city 通报, the minutes of meeting
    5, the 交办函 of these issues to that department), so exporting it again finds its number."""

    kind = models.CharField(_("文种"), max_length=20, choices=DocumentKind.choices)
    key = models.CharField(_("文件标识"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年份"))
    number = models.PositiveIntegerField(_("序号"))
    document_date = models.DateField(_("成文日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首次导出人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("编号时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发文字号")
        verbose_name_plural = _("发文字号")
        ordering = ["kind", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "number"], name="document_number_unique"),
            models.UniqueConstraint(fields=["kind", "key"], name="document_number_once_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}〔{self.year}〕{self.number}号"


# --- background exports ----------------------------------------------------------------------


class ExportKind(models.TextChoices):
    LEDGER_XLSX = "ledger_xlsx", _("整改台账（Excel）")
    SUMMARY_DOCX = "summary_docx", _("月度通报（Word）")
    SUMMARY_XLSX = "summary_xlsx", _("月度调度汇总（Excel）")
    HANDOFF_LETTERS = "handoff_letters", _("问题交办函（批量）")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")
    EXPIRED = "expired", _("已过期")


def export_upload_to(job: ExportJob, filename: str) -> str:
    # Private media (never under STATIC, never served by URL): only reports.views.export_download.
    return f"exports/{job.owner_id}/{job.pk}/{filename}"


class ExportJob(models.Model):
    """One export a user asked for, built by a Celery task (reports.tasks.run_export_job).

    The parameters are what the request said (the ledger's query string, the month and scope),
    never a list of rows: the worker reads the rows again through the same scoped selectors.
    States move queued → running → done | failed, and done → expired when the file's time is up;
    every move is a compare-and-set on `state` and writes an ExportJobEvent. The row is kept
    after expiry, only the file goes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="export_jobs"
    )
    kind = models.CharField(_("导出类型"), max_length=20, choices=ExportKind.choices)
    parameters = models.JSONField(_("导出参数"), default=dict, blank=True)
    # What the owner could see when asking (reports.export_jobs.scope_fingerprint): the download
    # is refused when the owner's scope no longer covers it.
    scope = models.JSONField(_("申请时的数据范围"), default=dict, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    failure_reason = models.TextField(_("失败原因"), blank=True)
    rows_done = models.PositiveIntegerField(_("已完成行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=export_upload_to, max_length=300, blank=True)
    filename = models.CharField(_("下载文件名"), max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("文件大小"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ExportKind.values), name="export_job_kind_valid"),
            models.CheckConstraint(condition=models.Q(state__in=ExportState.values), name="export_job_state_valid"),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_job_mine"),
            models.Index(fields=["state", "expires_at"], name="export_job_expiry"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED, ExportState.EXPIRED)

    @property
    def percent(self) -> int:
        if self.state in (ExportState.DONE, ExportState.EXPIRED):
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))


class ExportJobEvent(models.Model):
    """Every state change of an export job: from, to, when, why (a failure's reason)."""

    job = models.ForeignKey(ExportJob, verbose_name=_("导出任务"), on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(_("原状态"), max_length=10, choices=ExportState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=10, choices=ExportState.choices)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导出任务记录")
        verbose_name_plural = _("导出任务记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_state} → {self.to_state}"
