"""Reading the audit trail. Only leaders and admins may; everyone else gets a 404 from the view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Model

from accounts.models import User
from audit.models import EVENT_MODELS

PAGE_SIZE = 50
# pghistory's event labels -> what the page calls them
ACTIONS = ("insert", "update", "delete")
# Bookkeeping columns not worth a line in a diff
HIDDEN_COLUMNS = {"pgh_obj_id", "pgh_context", "pgh_context_id", "pgh_label", "pgh_created_at", "pgh_id"}


def audit_visible_to(*, user: User | AnonymousUser) -> bool:
    # An AnonymousUser is never authenticated; every User is.
    return isinstance(user, User) and user.is_active and user.sees_everything


def audit_available() -> bool:
    """The triggers exist on PostgreSQL only (SQLite development databases record nothing)."""
    return connection.vendor == "postgresql"


@dataclass
class Change:
    label: str
    old: object = None
    new: object = None


@dataclass
class AuditRow:
    at: dt.datetime
    action: str
    model_label: str
    model_name: str
    object_id: str
    actor_id: int | None
    actor: User | None
    path: str
    method: str
    request_id: str
    changes: list[Change] = field(default_factory=list)


def _column_labels(model: type[Model]) -> dict[str, str]:
    return {f.column: str(f.verbose_name) for f in model._meta.concrete_fields if f.column is not None}


def _column_choices(model: type[Model]) -> dict[str, dict[str, str]]:
    """Stored value -> its label ('handed_off' -> '已交办') for the fields with choices."""
    return {
        f.column: {str(k): str(v) for k, v in f.flatchoices}
        for f in model._meta.concrete_fields
        if f.choices and f.column is not None
    }


def _shown(value: object, choices: dict[str, str] | None) -> object:
    if choices and value is not None:
        return choices.get(str(value), value)
    return value


def _row(event: Any, tracked: type[Model] | None, users: dict[int, User]) -> AuditRow:
    # event: a row of pghistory's Events proxy, whose pgh_* columns its model does not declare
    context = event.pgh_context or {}
    actor_id = context.get("user")
    labels = _column_labels(tracked) if tracked else {}
    choices = _column_choices(tracked) if tracked else {}
    changes: list[Change] = []
    if event.pgh_label == "update" and event.pgh_diff:
        for column, (old, new) in sorted(event.pgh_diff.items()):
            if column not in HIDDEN_COLUMNS:
                shown = choices.get(column)
                changes.append(Change(label=labels.get(column, column), old=_shown(old, shown), new=_shown(new, shown)))
    else:
        # insert: the new values; delete: the values the row had when it was deleted
        for column, value in (event.pgh_data or {}).items():
            if column in HIDDEN_COLUMNS or value in (None, ""):
                continue
            change = Change(label=labels.get(column, column))
            value = _shown(value, choices.get(column))
            if event.pgh_label == "delete":
                change.old = value
            else:
                change.new = value
            changes.append(change)
    return AuditRow(
        at=event.pgh_created_at,
        action=event.pgh_label,
        model_label=event.pgh_obj_model,
        model_name=str(tracked._meta.verbose_name) if tracked else event.pgh_obj_model,
        object_id=event.pgh_obj_id or "",
        actor_id=actor_id,
        actor=users.get(actor_id) if actor_id is not None else None,
        path=context.get("url", ""),
        method=context.get("method", ""),
        request_id=context.get("request_id", ""),
        changes=changes,
    )


def audit_event_page(
    *,
    user: User | AnonymousUser,
    model_label: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page_number: int | str = 1,
) -> tuple[Page[Any], list[AuditRow]]:
    """One page of audit events, newest first, across every tracked model (or one), filtered per
    object, per acting user, per action and per date. Three queries whatever the page size:
    count, events, the actors."""
    if not audit_visible_to(user=user):
        raise PermissionError("audit trail is for leaders and admins")
    from pghistory.models import Events

    if not audit_available():
        return Paginator([], PAGE_SIZE).get_page(1), []
    models = [EVENT_MODELS[model_label]] if model_label else list(EVENT_MODELS.values())
    events = Events.objects.across(*models)  # type: ignore[no-untyped-call]  # pghistory leaves across() unannotated.order_by("-pgh_created_at", "-pgh_id")
    if object_id:
        events = events.filter(pgh_obj_id=str(object_id))
    if actor_id:
        events = events.filter(pgh_context__user=actor_id)
    if action:
        events = events.filter(pgh_label=action)
    if date_from:
        events = events.filter(pgh_created_at__date__gte=date_from)
    if date_to:
        events = events.filter(pgh_created_at__date__lte=date_to)
    page = Paginator(events, PAGE_SIZE).get_page(page_number)
    page_events = list(page.object_list)
    actor_ids = {(e.pgh_context or {}).get("user") for e in page_events} - {None}
    users = User.objects.in_bulk([i for i in actor_ids if isinstance(i, int)])
    tracked = {label: model.pgh_tracked_model for label, model in EVENT_MODELS.items()}
    rows = [_row(event, tracked.get(event.pgh_obj_model), users) for event in page_events]
    return page, rows


def changes_since_version(*, instance: Model, version: int) -> list[Change]:
    """What changed on a versioned record (Issue, SiteVisit, DispatchMeeting …) since the user
    read it at `version`: one Change per field whose value then differs from its value now.

    Read from the audit snapshot of that version, so a stale form can say "X changed A → B"
    instead of only "someone else changed it". Empty on SQLite (no audit rows) or when the
    snapshot is missing (records older than the audit trail).
    """
    event_model = EVENT_MODELS.get(instance._meta.label)
    if event_model is None or not audit_available():
        return []
    then = event_model.objects.filter(pgh_obj_id=instance.pk, version=version).order_by("-pgh_id").first()
    if then is None:
        return []
    now = type(instance)._base_manager.filter(pk=instance.pk).first()
    if now is None:
        return []
    skip = {"version", "updated_at"}
    changes = []
    for model_field in type(instance)._meta.concrete_fields:
        name = model_field.attname
        if name in skip or not hasattr(then, name):
            continue
        old, new = getattr(then, name), getattr(now, name)
        if old != new:
            changes.append(Change(label=str(model_field.verbose_name), old=old, new=new))
    return changes
