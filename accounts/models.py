from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class DepartmentKind(models.TextChoices):
    COMMISSION = "commission", _("纪委监委")
    DISPATCHED_GROUP = "dispatched_group", _("派驻纪检监察组")
    COUNTY_COMMISSION = "county_commission", _("县级纪委监委")
    CITY_DEPARTMENT = "city_department", _("市直部门")
    COUNTY_GOVERNMENT = "county_government", _("县区政府")
    ENTERPRISE = "enterprise", _("企业")


# Departments that rectify: only these are 责任单位 or 协办单位. The commission's own bodies
# (派驻纪检监察组, 县级纪委监委) are the "2" of "1+2": they supervise with the group, never rectify.
RECTIFYING_KINDS = (DepartmentKind.CITY_DEPARTMENT, DepartmentKind.COUNTY_GOVERNMENT)


class DepartmentQuerySet(models.QuerySet):
    def rectifying(self) -> DepartmentQuerySet:
        """Active departments that may be handed an issue (责任单位 / 协办单位)."""
        return self.filter(kind__in=RECTIFYING_KINDS, is_active=True)


class Department(models.Model):
    Kind = DepartmentKind

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in DepartmentKind]), name="department_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def rectifies(self) -> bool:
        """Whether it may be 责任单位 or 协办单位 (an active city department or county government)."""
        return self.is_active and self.kind in RECTIFYING_KINDS


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=30, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所在单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("部门联络员必须填写；决定其能看到哪些交办问题。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        if not self.is_authenticated:
            return frozenset()
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.ADMIN.value)
        return frozenset(names)

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def is_leader(self) -> bool:
        return self.has_role(Role.LEADER)

    @property
    def is_inspector(self) -> bool:
        return self.has_role(Role.INSPECTOR)

    @property
    def is_liaison(self) -> bool:
        return self.has_role(Role.LIAISON) and self.department_id is not None

    @property
    def is_admin_role(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def sees_everything(self) -> bool:
        """Leaders and admins read every project and issue (DESIGN.md, Roles)."""
        return self.is_leader or self.is_admin_role
