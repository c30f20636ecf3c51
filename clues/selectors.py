"""Scoped reads of clues, shared by the pages, the API and the figures.

Who sees what is written in clues.rules' docstring: leaders and admins all; inspectors the clues
of their projects; liaisons none. Missing and forbidden answer the same 404.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from clues.models import Clue, ClueEvent, ClueSubject
from projects.selectors import project_ids_for_inspector


def user_may_see_clues(*, user: User) -> bool:
    """Whether the user may see any clue at all (the nav link, the list page)."""
    if not user.is_authenticated:
        return False
    if user.sees_everything:
        return True
    return user.is_inspector and not user.is_liaison


def clue_scope_q(*, user: User, prefix: str = "") -> Q | None:
    """The Q limiting clues (or rows reaching a clue through `prefix`) to the user's scope. None:
    no limit; an impossible Q: nothing."""
    if not user_may_see_clues(user=user):
        return Q(pk__in=[])
    if user.sees_everything:
        return None
    return Q(**{f"{prefix}project__in": project_ids_for_inspector(user=user)})


def clue_list_visible_to(*, user: User) -> QuerySet[Clue]:
    """The user's clues with what a list row shows: project, source issue, the number of people
    concerned. One query whatever the number of rows."""
    clues = Clue.objects.select_related("project", "issue", "created_by").annotate(
        subject_count=Count("subjects", distinct=True)
    )
    scope = clue_scope_q(user=user)
    return clues if scope is None else clues.filter(scope)


def clue_get_for_user(*, user: User, pk: int) -> Clue:
    """The clue with its people concerned and its timeline, or Http404 (missing and not yours alike)."""
    clues = Clue.objects.select_related(
        "project", "issue", "finding", "finding__visit", "created_by", "handed_over_to"
    ).prefetch_related(
        Prefetch("subjects", queryset=ClueSubject.objects.select_related("department")),
        Prefetch("events", queryset=ClueEvent.objects.select_related("actor")),
    )
    scope = clue_scope_q(user=user)
    if scope is not None:
        clues = clues.filter(scope)
    try:
        return clues.get(pk=pk)
    except (Clue.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
