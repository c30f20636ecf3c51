"""Scoped reads of issues, shared by pages, API, exports and summaries."""

from __future__ import annotations

from django.db.models import Field, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from issues.models import EvidenceFile, Issue, IssueEvent, RecheckPhoto
from projects.selectors import inspector_project_id_list, project_ids_for_inspector


def issue_scope_q(
    *, user: User, prefix: str = "", listed: bool = False, versions: dict[str, int] | None = None
) -> Q | None:
    """The Q limiting issues (or rows reaching an issue through `prefix`) to the user's scope.
    None means no limit (leaders, admins); an impossible Q means nothing. `listed`: an inspector's
    projects read first and given as a list (projects.selectors.inspector_project_id_list, cached
    under `versions`), for a list newest first walked in the order of an index (the ledger's, the
    API's); a subquery lets PostgreSQL start from the projects instead (counts, figures, exports)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.sees_everything:
        return None
    scope = Q(pk__in=[])
    if user.is_inspector:
        projects = (
            inspector_project_id_list(user=user, versions=versions) if listed else project_ids_for_inspector(user=user)
        )
        scope |= Q(**{f"{prefix}project__in": projects})
    # A liaison without a department has no issues (the department columns are never NULL).
    if user.is_liaison and user.department_id is not None:
        scope |= Q(**{f"{prefix}lead_department_id": user.department_id})
        # A subquery, not a join: an issue with several assisting departments must not repeat.
        # Read the ids straight from the link table: no join back to the issue table.
        assisted = Issue.assisting_departments.through.objects.filter(department_id=user.department_id).values(
            "issue_id"
        )
        issue_key = f"{prefix.removesuffix('__')}__in" if prefix else "pk__in"
        scope |= Q(**{issue_key: assisted})
    return scope


def issue_list_visible_to(
    *, user: User, listed: bool = False, versions: dict[str, int] | None = None
) -> QuerySet[Issue]:
    """Leaders/admins: all. Inspectors: issues of their projects. Liaisons: issues their department
    leads or assists. A user with several roles sees the union. `listed`, `versions`: see
    issue_scope_q."""
    issues = Issue.objects.select_related("project", "lead_department", "handed_off_by")
    scope = issue_scope_q(user=user, listed=listed, versions=versions)
    return issues if scope is None else issues.filter(scope)


def issue_get_for_user(*, user: User, pk: int) -> Issue:
    """The issue or Http404: 'missing' and 'not yours' answer the same."""
    try:
        return issue_list_visible_to(user=user).select_related("close_proposed_by").get(pk=pk)
    except (Issue.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def evidence_get_for_user(*, user: User, pk: int) -> EvidenceFile:
    """An evidence file of an issue the user may see, or Http404 (missing and not yours alike):
    the one check behind the page's and the API's downloads."""
    evidence = EvidenceFile.objects.select_related("update").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    issue_get_for_user(user=user, pk=evidence.update.issue_id)
    return evidence


def recheck_photo_get_for_user(*, user: User, pk: int) -> RecheckPhoto:
    """A 回头看 photo of an issue the user may see, or Http404 (missing and not yours alike)."""
    photo = RecheckPhoto.objects.select_related("recheck").filter(pk=pk).first()
    if photo is None:
        raise Http404
    issue_get_for_user(user=user, pk=photo.recheck.issue_id)
    return photo


def issue_changes_since(*, issue_id: int, version: int, limit: int = 10) -> list[str]:
    """What happened to an issue after a user read it at `version`, one readable line per event
    ("11-27 10:02 刘联络员 签收；… 修改交办内容（整改时限：2026-12-01 → 2026-12-15）")."""
    events = (
        IssueEvent.objects.filter(issue_id=issue_id, data__version__gt=version)
        .select_related("actor")
        .order_by("created_at", "id")[:limit]
    )
    lines = []
    for event in events:
        line = f"{timezone.localtime(event.created_at):%m-%d %H:%M} {event.actor.display_name} {event.get_action_display()}"
        edits = event.data.get("changes") or {}
        if edits:
            parts = []
            for name, values in edits.items():
                field = Issue._meta.get_field(name)
                label = field.verbose_name if isinstance(field, Field) else field.name
                parts.append(f"{label}：{str(values['from'])[:20]} → {str(values['to'])[:20]}")
            line += f"（{'，'.join(parts)}）"
        lines.append(line)
    return lines
