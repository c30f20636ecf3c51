import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class WorkdayOverride(models.Model):
    """An admin's correction of the official calendar for one date (e.g. a local holiday,
    or a year the chinese-calendar package does not know yet)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("工作日") if self.is_workday else _("休息日")
        return f"{self.date:%Y-%m-%d} {kind}"


class StoredFile(models.Model):
    """An uploaded photo or document: kept under a server-chosen name, served only through a view
    that checks the reader's right to its owner (visit or issue)."""

    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def store(self, *, uploaded, checked, prefix: str) -> None:
        """Fill the metadata from a core.files.CheckedUpload and save the bytes and the row."""
        from core.files import storage_name

        self.original_name = checked.original_name
        self.content_type = checked.content_type
        self.size = checked.size
        uploaded.seek(0)
        self.file.save(storage_name(prefix, checked.extension), uploaded, save=False)
        self.save()


def describe_differences(instance: models.Model, submitted: dict) -> list[str]:
    """For a stale write: which of the submitted fields the saved record now holds differently,
    as "地点（现为：彝良县矿区）" lines, so the user sees what the other person changed."""
    current = type(instance)._base_manager.filter(pk=instance.pk).first()
    if current is None:
        return []
    lines = []
    for name, value in submitted.items():
        field = instance._meta.get_field(name)
        now = getattr(current, field.attname)
        if now != value:
            shown = now
            if field.choices:
                shown = dict(field.flatchoices).get(now, now)
            elif isinstance(now, bool):
                shown = _("是") if now else _("否")
            elif isinstance(now, datetime.datetime):
                shown = f"{timezone.localtime(now):%Y-%m-%d %H:%M}"
            text = str(shown)
            shortened = f"{text[:30]}…" if len(text) > 30 else text
            lines.append(str(_("%(field)s（现为：%(value)s）")) % {"field": field.verbose_name, "value": shortened})
    return lines


class IdempotencyKey(models.Model):
    """One create through the API under a client's Idempotency-Key (core.idempotency): which
    request it answered (method and path, a hash of the body) and the answer itself, so a retry
    gets the first answer instead of a second issue. Written in the transaction of the write."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE)
    key = models.CharField(_("幂等键"), max_length=255)
    operation = models.CharField(_("请求"), max_length=300)  # "POST /api/v1/issues/"
    request_hash = models.CharField(_("请求内容摘要"), max_length=64)
    # Empty only inside the transaction that runs the write: the row commits with its answer.
    response_status = models.PositiveSmallIntegerField(_("应答状态"), null=True)
    response_body = models.JSONField(_("应答内容"), null=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")]
        indexes = [models.Index(fields=["created_at"], name="core_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} {self.operation}"
