"""问题线索 (clues about cadres' conduct) and their disposal by the commission's case-handling side.

A clue comes from an issue (a 黑榜 department, repeated rework, a 反弹), from a visit's finding, or
is entered directly by an inspector; it names the people concerned (ClueSubject) and is handed
over (移送) to the commission's case-handling side, which verifies it (初步核实) and disposes of it
(了结 / 谈话函询 / 暂存待查 / 立案审查调查). For a case (立案) the outcome is recorded per person
concerned: the form of supervision (“四种形态”), 党纪处分 / 政务处分, 组织处理; and the clue may be
publicly notified (通报曝光). Every change is a ClueEvent. The campaign figures count these rows
(clues.figures); who may do what is in clues.rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from inspections.models import Finding
from issues.models import Issue
from projects.models import Project


class ClueSource(models.TextChoices):
    ISSUE = "issue", _("交办问题")
    FINDING = "finding", _("督导检查发现")
    DIRECT = "direct", _("督导组直接受理")


class ClueStatus(models.TextChoices):
    REGISTERED = "registered", _("待移送")
    HANDED_OVER = "handed_over", _("已移送")
    VERIFYING = "verifying", _("初步核实")
    CLOSED = "closed", _("予以了结")
    TALK = "talk", _("谈话函询")
    SHELVED = "shelved", _("暂存待查")
    CASE = "case", _("立案审查调查")
    CONCLUDED = "concluded", _("审查调查终结")


class SupervisionForm(models.TextChoices):
    """监督执纪“四种形态”."""

    FIRST = "1", _("第一种形态")
    SECOND = "2", _("第二种形态")
    THIRD = "3", _("第三种形态")
    FOURTH = "4", _("第四种形态")


class PartySanction(models.TextChoices):
    WARNING = "warning", _("警告")
    SERIOUS_WARNING = "serious_warning", _("严重警告")
    REMOVAL_FROM_POST = "removal_from_post", _("撤销党内职务")
    PROBATION = "probation", _("留党察看")
    EXPULSION = "expulsion", _("开除党籍")


class GovernmentSanction(models.TextChoices):
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION = "demotion", _("降级")
    DISMISSAL_FROM_POST = "dismissal_from_post", _("撤职")
    EXPULSION = "expulsion", _("开除")


class OrganizationalMeasure(models.TextChoices):
    SUSPENSION = "suspension", _("停职检查")
    REASSIGNMENT = "reassignment", _("调整职务")
    ORDERED_RESIGNATION = "ordered_resignation", _("责令辞职")
    REMOVAL = "removal", _("免职")
    DEMOTION = "demotion", _("降职")


# A clue is with the case-handling side from its hand-over on.
HANDED_OVER_STATUSES = (
    ClueStatus.HANDED_OVER,
    ClueStatus.VERIFYING,
    ClueStatus.CLOSED,
    ClueStatus.TALK,
    ClueStatus.SHELVED,
    ClueStatus.CASE,
    ClueStatus.CONCLUDED,
)


class Clue(models.Model):
    Source = ClueSource
    Status = ClueStatus

    project = models.ForeignKey(Project, verbose_name=_("所属项目"), on_delete=models.PROTECT, related_name="clues")
    source = models.CharField(_("线索来源"), max_length=20, choices=ClueSource.choices)
    issue = models.ForeignKey(
        Issue, verbose_name=_("来源问题"), on_delete=models.PROTECT, related_name="clues", null=True, blank=True
    )
    finding = models.ForeignKey(
        Finding, verbose_name=_("来源检查发现"), on_delete=models.PROTECT, related_name="clues", null=True, blank=True
    )
    title = models.CharField(_("线索名称"), max_length=200)
    description = models.TextField(_("反映的主要问题"))
    status = models.CharField(_("处置状态"), max_length=20, choices=ClueStatus.choices, default=ClueStatus.REGISTERED)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # The day each step took effect (the figures count by them; the events say who and when exactly).
    received_on = models.DateField(_("移送日期"), null=True, blank=True)
    verification_started_on = models.DateField(_("初步核实日期"), null=True, blank=True)
    disposed_on = models.DateField(_("处置日期"), null=True, blank=True)
    filed_on = models.DateField(_("立案日期"), null=True, blank=True)
    concluded_on = models.DateField(_("审查调查终结日期"), null=True, blank=True)
    exposed_on = models.DateField(_("通报曝光日期"), null=True, blank=True)
    handed_over_to = models.ForeignKey(
        Department,
        verbose_name=_("移送单位"),
        on_delete=models.PROTECT,
        related_name="clues_received",
        null=True,
        blank=True,
    )
    verification_note = models.TextField(_("初步核实情况"), blank=True)
    disposal_note = models.TextField(_("处置意见"), blank=True)
    exposure_note = models.TextField(_("通报曝光情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="clues_created"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("问题线索")
        verbose_name_plural = _("问题线索")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "status"], name="clue_project_status"),
            models.Index(fields=["received_on"], name="clue_received_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in ClueStatus]), name="clue_status_valid"),
            models.CheckConstraint(condition=Q(source__in=[s.value for s in ClueSource]), name="clue_source_valid"),
            models.CheckConstraint(
                condition=(Q(source="issue") & Q(issue__isnull=False))
                | (Q(source="finding") & Q(finding__isnull=False))
                | Q(source="direct"),
                name="clue_source_has_origin",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="clue_title_not_empty"),
            # From the hand-over on the clue is counted as received (受理): it must have its day.
            models.CheckConstraint(
                condition=Q(status="registered") | Q(received_on__isnull=False), name="clue_received_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["case", "concluded"]) | Q(filed_on__isnull=False), name="clue_case_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"XS{self.pk:05d}" if self.pk else ""


class ClueSubject(models.Model):
    """A person concerned (被反映人) and, for a case, what was decided about him."""

    clue = models.ForeignKey(Clue, verbose_name=_("问题线索"), on_delete=models.PROTECT, related_name="subjects")
    name = models.CharField(_("姓名"), max_length=50)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    supervision_form = models.CharField(_("“四种形态”"), max_length=1, choices=SupervisionForm.choices, blank=True)
    party_sanction = models.CharField(_("党纪处分"), max_length=30, choices=PartySanction.choices, blank=True)
    government_sanction = models.CharField(_("政务处分"), max_length=30, choices=GovernmentSanction.choices, blank=True)
    organizational_measure = models.CharField(
        _("组织处理"), max_length=30, choices=OrganizationalMeasure.choices, blank=True
    )
    # Only the rows migrated from the old case records set it: their sanction's kind was never
    # recorded, so they count in 党纪政务处分 but in neither 党纪处分 nor 政务处分.
    sanction_unclassified = models.BooleanField(_("党纪政务处分（原记录未分类）"), default=False)
    decided_on = models.DateField(_("处理决定日期"), null=True, blank=True)
    outcome_note = models.TextField(_("处理情况"), blank=True)
    exposed = models.BooleanField(_("通报曝光点名"), default=False)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("涉及人员")
        verbose_name_plural = _("涉及人员")
        ordering = ["clue", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="clue_subject_name_not_empty"),
            models.CheckConstraint(
                condition=Q(supervision_form__in=["", "1", "2", "3", "4"]), name="clue_subject_form_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sanctioned(self) -> bool:
        return bool(self.party_sanction or self.government_sanction or self.sanction_unclassified)


class ClueEvent(models.Model):
    class Action(models.TextChoices):
        REGISTER = "register", _("登记线索")
        EDIT = "edit", _("修改线索")
        ADD_SUBJECT = "add_subject", _("增加涉及人员")
        HAND_OVER = "hand_over", _("移送")
        VERIFY = "verify", _("初步核实")
        CLOSE = "close", _("予以了结")
        TALK = "talk", _("谈话函询")
        SHELVE = "shelve", _("暂存待查")
        RESUME = "resume", _("恢复核实")
        FILE_CASE = "file_case", _("立案审查调查")
        OUTCOME = "outcome", _("登记处理结果")
        CONCLUDE = "conclude", _("审查调查终结")
        EXPOSE = "expose", _("通报曝光")
        MIGRATE = "migrate", _("由原案件记录转入")

    clue = models.ForeignKey(Clue, verbose_name=_("问题线索"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="clue_events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=ClueStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=ClueStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("线索处置记录")
        verbose_name_plural = _("线索处置记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["clue", "created_at"], name="clue_event_timeline")]

    def __str__(self) -> str:
        return f"{self.clue.code} {self.get_action_display()}"


class ClueRollup(models.Model):
    """How many clues or people one campaign figure (clues.figures.CAMPAIGN_KEYS) counts in one
    project and one month (the first day of the month of the figure's day); project 0
    (clues.rollup.CITY) holds the whole city's. Kept by triggers on the clues and the people
    concerned in the change's own transaction (clues.rollup; migration clues 0003), on PostgreSQL
    and SQLite alike; `manage.py rebuild_rollups` recounts it. The summary reads a month's figures
    and the figures to its end from a few rows, whatever the number of clues."""

    figure = models.CharField(_("指标"), max_length=20)
    # Not enforced by the database: the triggers write it from the clue row, which is.
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique key leads with it
        related_name="+",
    )
    month = models.DateField(_("月份"))
    n = models.IntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("线索统计汇总")
        verbose_name_plural = _("线索统计汇总")
        constraints = [models.UniqueConstraint(fields=["project", "month", "figure"], name="clue_rollup_key")]

    def __str__(self) -> str:
        return f"{self.figure} {self.project_id} {self.month:%Y-%m}: {self.n}"
