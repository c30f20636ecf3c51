"""Projects with their procedure stages and factor guarantees, supervision groups with members and partner units, and authorizations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department


class ProjectStage(models.TextChoices):
    PREPARATION = "preparation", _("前期手续")
    CONSTRUCTION = "construction", _("建设中")
    PRODUCTION = "production", _("投产运营")
    SUSPENDED = "suspended", _("暂停")


class Project(models.Model):
    Stage = ProjectStage

    name = models.CharField(_("项目名称"), max_length=120, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    county = models.CharField(_("所在县区"), max_length=50)
    enterprise = models.ForeignKey(
        Department,
        verbose_name=_("建设企业"),
        on_delete=models.PROTECT,
        related_name="enterprise_projects",
        limit_choices_to={"kind": Department.Kind.ENTERPRISE},
    )
    investment = models.DecimalField(_("总投资（亿元）"), max_digits=10, decimal_places=2)
    expected_annual_output = models.DecimalField(
        _("预计年产值（亿元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    expected_jobs = models.PositiveIntegerField(_("预计带动就业（人）"), null=True, blank=True)
    land_area_mu = models.DecimalField(_("用地面积（亩）"), max_digits=10, decimal_places=2, null=True, blank=True)
    stage = models.CharField(_("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.PREPARATION)
    description = models.TextField(_("项目概况"), blank=True)
    is_archived = models.BooleanField(_("已归档"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重大投资项目")
        verbose_name_plural = _("重大投资项目")
        ordering = ["-investment", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(investment__gt=0), name="project_investment_positive"),
            models.CheckConstraint(condition=Q(stage__in=[s.value for s in ProjectStage]), name="project_stage_valid"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class ProcedureKind(models.TextChoices):
    LAND_APPROVAL = "land_approval", _("用地报批")
    ENVIRONMENTAL = "environmental", _("环评")
    FOREST_LAND = "forest_land", _("林地")
    MINING_RIGHT = "mining_right", _("矿权转让")
    ENERGY_REVIEW = "energy_review", _("能评")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可")
    CONSTRUCTION_START = "construction_start", _("进场动工")
    OTHER = "other", _("其他")


class ProcedureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    BLOCKED = "blocked", _("受阻")
    DONE = "done", _("已完成")


class ProcedureStage(models.Model):
    Kind = ProcedureKind

    Status = ProcedureStatus

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="stages")
    kind = models.CharField(_("手续环节"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("环节说明"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    started_on = models.DateField(_("启动日期"), null=True, blank=True)
    finished_on = models.DateField(_("完成日期"), null=True, blank=True)
    blocked_since = models.DateField(_("受阻起始日"), null=True, blank=True)
    blockage_note = models.TextField(_("堵点说明"), blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # Changed only through projects.services (compare-and-set on the version, one event per change).
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("手续环节")
        verbose_name_plural = _("手续环节")
        ordering = ["project", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "name"], name="stage_unique_per_project"),
            models.CheckConstraint(
                condition=Q(finished_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(finished_on__gte=F("started_on")),
                name="stage_finished_after_started",
            ),
            models.CheckConstraint(
                condition=~Q(status="blocked") | Q(blocked_since__isnull=False),
                name="stage_blocked_has_since",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ProcedureStatus]), name="stage_status_valid"
            ),
        ]
        indexes = [
            # The blockage board's projects blocked longest (reports.figures._blockage_board): the
            # blocked stages only, by the day they were blocked.
            models.Index(
                fields=["blocked_since", "project"], name="stage_blocked_since", condition=Q(status="blocked")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"

    def days_blocked(self, today: dt.date | None = None) -> int | None:
        if self.status != self.Status.BLOCKED or not self.blocked_since:
            return None
        today = today or timezone.localdate()
        return max((today - self.blocked_since).days, 0)


class FactorKind(models.TextChoices):
    WATER = "water", _("水")
    ELECTRICITY = "electricity", _("电")
    ROAD = "road", _("路")
    GAS = "gas", _("气")


class FactorStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    AT_RISK = "at_risk", _("存在困难")
    GUARANTEED = "guaranteed", _("已保障")


class FactorGuarantee(models.Model):
    Factor = FactorKind

    Status = FactorStatus

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="factors")
    factor = models.CharField(_("要素"), max_length=20, choices=Factor.choices)
    status = models.CharField(_("保障情况"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(_("说明"), blank=True)
    updated_on = models.DateField(_("更新日期"), default=timezone.localdate)
    # Changed only through projects.services (compare-and-set on the version, one event per change).
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("要素保障")
        verbose_name_plural = _("要素保障")
        ordering = ["project", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["project", "factor"], name="factor_unique_per_project"),
            models.CheckConstraint(condition=Q(factor__in=[f.value for f in FactorKind]), name="factor_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_factor_display()}"


class ProjectRecordEvent(models.Model):
    """One change of a procedure stage or a factor guarantee (who, when, what from what to what),
    written by projects.services with the change itself: the history the project pages show."""

    class Action(models.TextChoices):
        CREATE = "create", _("登记")
        UPDATE = "update", _("更新")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="record_events")
    stage = models.ForeignKey(
        ProcedureStage,
        verbose_name=_("手续环节"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    factor = models.ForeignKey(
        FactorGuarantee,
        verbose_name=_("要素保障"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    # [{"field": label, "from": shown value, "to": shown value}, …] in the words of the moment
    changes = models.JSONField(_("变更内容"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("手续与要素变更记录")
        verbose_name_plural = _("手续与要素变更记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "created_at"], name="record_event_project_time")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(stage__isnull=False) & Q(factor__isnull=True))
                | (Q(stage__isnull=True) & Q(factor__isnull=False)),
                name="record_event_one_record",
            ),
            models.CheckConstraint(condition=Q(action__in=["create", "update"]), name="record_event_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.stage or self.factor} · {self.get_action_display()}"


class RecheckThreshold(models.TextChoices):
    """From which severity on 销号 needs a 回头看 (the values are issues.models.IssueSeverity's,
    in its order; projects sits below issues and cannot import it)."""

    GENERAL = "general", _("所有问题")
    SERIOUS = "serious", _("较重及以上")
    CRITICAL = "critical", _("仅严重问题")
    NONE = "none", _("不要求")


class SupervisionGroup(models.Model):
    """督导专班: a few cadres following some projects, bundled "1+2" with partner units."""

    name = models.CharField(_("督导组名称"), max_length=100, unique=True)
    description = models.TextField(_("工作说明"), blank=True)
    projects = models.ManyToManyField(Project, verbose_name=_("督导项目"), related_name="groups", blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMembership", related_name="supervision_groups", verbose_name=_("成员")
    )
    formed_on = models.DateField(_("成立日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("在岗"), default=True)
    recheck_required_from = models.CharField(
        _("须回头看方可销号的问题"),
        max_length=20,
        choices=RecheckThreshold.choices,
        default=RecheckThreshold.SERIOUS,
        help_text=_("达到所选严重程度的问题，须有提交核验后、附现场照片且结论为“已整改到位”的回头看，方可销号"),
    )

    class Meta:
        verbose_name = _("督导组")
        verbose_name_plural = _("督导组")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("组长")
        MEMBER = "member", _("成员")

    group = models.ForeignKey(
        SupervisionGroup, verbose_name=_("督导组"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="group_memberships"
    )
    role = models.CharField(_("组内角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("督导组成员")
        verbose_name_plural = _("督导组成员")
        ordering = ["group", "-role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=["lead", "member"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.user} ({self.get_role_display()})"


class GroupPartnerUnit(models.Model):
    """The "2" of "1+2": a dispatched discipline-inspection group and a county commission."""

    group = models.ForeignKey(
        SupervisionGroup, verbose_name=_("督导组"), on_delete=models.CASCADE, related_name="partners"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("协同单位"), on_delete=models.PROTECT, related_name="partner_of"
    )
    note = models.CharField(_("分工"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("“1+2”协同单位")
        verbose_name_plural = _("“1+2”协同单位")
        constraints = [models.UniqueConstraint(fields=["group", "department"], name="partner_unique")]

    def __str__(self) -> str:
        return f"{self.group} · {self.department}"


class AuthorizationQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> AuthorizationQuerySet:
        return self.filter(valid_from__lte=day, valid_to__gte=day, revoked_at__isnull=True)


class Authorization(models.Model):
    """一项目一授权: a special inspector's numbered authorization for one project."""

    number = models.CharField(_("授权文号"), max_length=60, unique=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("特派员"), on_delete=models.PROTECT, related_name="authorizations"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="authorizations"
    )
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    scope_note = models.TextField(_("授权事项"), blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目授权")
        verbose_name_plural = _("项目授权")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="authorization_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.inspector} · {self.project}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_to
