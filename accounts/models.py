"""Departments and users with their roles, plus the recovery codes of two-factor login."""

from __future__ import annotations

import hashlib
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

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


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A user's one-time recovery codes for the second factor, as a django-otp device: a sign-in
    with one of them is a verified sign-in like one with the authenticator app. The codes are
    stored hashed (RecoveryCode) and shown once, when issued."""

    class Meta:
        verbose_name = _("两步验证恢复码")
        verbose_name_plural = _("两步验证恢复码")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        """True, once, for each unused code; a code is used up in the same UPDATE that checks it,
        so two sign-ins racing with one code cannot both pass."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        used = RecoveryCode.objects.filter(
            device=self, code_hash=RecoveryCode.hash(user_id=self.user_id, code=str(token)), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    # SHA-256 of the user and the code: a code is 50 random bits, so no slow hash is needed to keep
    # a stolen table from revealing it, and checking one is a single indexed lookup.
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def __str__(self) -> str:
        return f"{self.device_id}:{self.code_hash[:8]}"

    @staticmethod
    def normalize(code: str) -> str:
        return "".join(code.split()).replace("-", "").upper()

    @classmethod
    def hash(cls, *, user_id: int, code: str) -> str:
        return hashlib.sha256(f"{user_id}:{cls.normalize(code)}".encode()).hexdigest()
