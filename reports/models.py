"""The numbers of the official documents Dudao issues (发文字号): one counter per kind and year,
never reused, and the same document re-exported keeps the number it was given first."""

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
