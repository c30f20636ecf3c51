"""Site visits, the findings recorded on them and their attached files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile
from projects.models import Project


class VisitMethod(models.TextChoices):
    FORUM = "forum", _("座谈交流")
    DOCUMENTS = "documents", _("查阅文件")
    ONSITE = "onsite", _("实地察看")


class SiteVisit(models.Model):
    """督导检查记录: one visit to the enterprise, the mining area or a department."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("检查日期"))
    place = models.CharField(_("地点"), max_length=200)
    # Three booleans rather than a list: "visits by method" is then a plain SQL count.
    method_forum = models.BooleanField(_("座谈交流"), default=False)
    method_documents = models.BooleanField(_("查阅文件"), default=False)
    method_onsite = models.BooleanField(_("实地察看"), default=False)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("督导人员"), related_name="site_visits", blank=True
    )
    participants = models.TextField(_("参加人员"), blank=True, help_text=_("企业、部门参加人员，每行一人"))
    summary = models.TextField(_("检查情况"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_recheck = models.BooleanField(_("回头看"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="visits_recorded"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_archived = models.BooleanField(_("已作废"), default=False)
    # A visit recorded offline carries the id its device made for the draft: the natural key that
    # makes a resent draft (lost answer, two tabs, retry after a crash) find this visit instead of
    # making a second one. The digest of what was sent tells a replay from a different draft.
    device_id = models.UUIDField(_("离线草稿编号"), null=True, blank=True, editable=False)
    device_digest = models.CharField(_("离线草稿摘要"), max_length=64, blank=True, editable=False)
    device_photo_count = models.PositiveSmallIntegerField(_("离线草稿照片数"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("督导检查记录")
        verbose_name_plural = _("督导检查记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["project", "visited_on"], name="visit_project_date"),
            # The month's visits of the whole city (the monthly summary): a range of this index,
            # not a scan of every visit.
            models.Index(fields=["visited_on"], name="visit_live_date", condition=models.Q(is_archived=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(method_forum=True) | Q(method_documents=True) | Q(method_onsite=True),
                name="visit_has_a_method",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="visit_geo_point_valid",
            ),
            models.UniqueConstraint(
                fields=["created_by", "device_id"],
                condition=Q(device_id__isnull=False),
                name="visit_device_id_unique_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.place}"

    @property
    def methods(self) -> list[VisitMethod]:
        chosen = [
            (self.method_forum, VisitMethod.FORUM),
            (self.method_documents, VisitMethod.DOCUMENTS),
            (self.method_onsite, VisitMethod.ONSITE),
        ]
        return [method for flag, method in chosen if flag]

    @property
    def method_labels(self) -> list[str]:
        return [str(method.label) for method in self.methods]


class FindingKind(models.TextChoices):
    DEMAND = "demand", _("企业诉求")
    DIFFICULTY = "difficulty", _("难点")
    BLOCKAGE = "blockage", _("堵点")
    EXPECTATION = "expectation", _("期盼点")


class Finding(models.Model):
    Kind = FindingKind

    visit = models.ForeignKey(SiteVisit, verbose_name=_("检查记录"), on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("内容"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["visit", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in FindingKind]), name="finding_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="finding_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.labelled[: len(self.get_kind_display()) + 31]

    @property
    def labelled(self) -> str:
        """ "企业诉求：…" — the kind once, even when the text was typed starting with its label."""
        label = str(self.get_kind_display())
        text = self.text.strip()
        for separator in ("：", ":"):
            if text.startswith(label + separator):
                text = text[len(label) + 1 :].lstrip()
                break
        return f"{label}：{text}"


class VisitAttachment(StoredFile):
    """A photo or document from a visit. Stored under a server-chosen name, served only via a view."""

    visit = models.ForeignKey(
        SiteVisit, verbose_name=_("检查记录"), on_delete=models.PROTECT, related_name="attachments"
    )
    # A photo of an offline draft is uploaded on its own, keyed by its place in the draft, so a
    # resent upload finds the stored one; the checksum tells the same photo from another one.
    device_index = models.PositiveSmallIntegerField(_("草稿照片序号"), null=True, blank=True, editable=False)
    sha256 = models.CharField(_("校验值"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("检查附件")
        verbose_name_plural = _("检查附件")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "device_index"],
                condition=Q(device_index__isnull=False),
                name="visit_attachment_device_index_unique",
            ),
        ]
