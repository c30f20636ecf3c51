"""Who holds a role, asked once for every app: the liaisons a notice about a department goes to."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role


def active_liaisons() -> QuerySet[User]:
    """Active users holding the liaison role (部门联络员); filter further by department (or by a
    path through it, as the deadline alerts do) to reach a department's liaisons."""
    return User.objects.filter(is_active=True, groups__name=Role.LIAISON)


def department_liaisons(*, department_ids: Iterable[int]) -> list[User]:
    """The active liaisons of these departments, each once: the recipients of a department's notices."""
    return list(active_liaisons().filter(department_id__in=list(department_ids)).distinct())
