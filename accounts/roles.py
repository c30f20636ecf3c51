"""Global roles are Django auth groups so an admin grants them in the admin.

A group lead (组长) is not a global role: it is a role in a SupervisionGroup membership.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("领导")
    INSPECTOR = "inspector", _("督导组成员")
    LIAISON = "liaison", _("部门联络员")
    ADMIN = "admin", _("系统管理员")
