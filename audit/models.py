"""Audit trail: one pghistory event model per domain model (and per many-to-many link).

Triggers on the domain tables write a row here on every insert, update and delete — also for
bulk `update()`/`delete()` and raw SQL, which no Python signal would see. Each row holds the
full row values (new ones for insert/update, old ones for delete) and the context set by
core.middleware.AuditContextMiddleware: actor (`user`), request path (`url`), method and request
id. The event models live in this app so no other app's migrations change; the triggers are
installed by pgtrigger after `migrate` (PGTRIGGER_INSTALL_ON_MIGRATE) and exist on PostgreSQL
only. Rows are append-only: see audit/immutability.py.

Every concrete model of the domain apps is tracked automatically, including ones added later:
`makemigrations --check` then fails until `makemigrations audit` creates their event table.
"""

from __future__ import annotations

import sys
from typing import Any

import pghistory
from django.apps import apps
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# The domain apps whose every write is audited (notifications and core hold no user record).
AUDITED_APPS = ("accounts", "projects", "inspections", "issues", "dispatch", "clues", "talks")

# Never copied into the audit trail: a password hash and a recovery code's hash are secrets, and
# last_login changes on every login (it would bury the real changes).
EXCLUDED_FIELDS = {"accounts.User": ["password", "last_login"], "accounts.RecoveryCode": ["code_hash"]}

# Counts kept by the database's own triggers from audited rows: nobody writes them, and a trail
# of every recount would dwarf the changes it follows.
NOT_AUDITED = {"clues.ClueRollup"}


def event_model_name(model) -> str:
    """'Issue' -> 'IssueAudit', the through model 'Issue_assisting_departments' ->
    'IssueAssistingDepartmentsAudit'."""
    parts = model._meta.object_name.split("_")
    return "".join(part[:1].upper() + part[1:] for part in parts) + "Audit"


def audited_models() -> list:
    # apps.all_models: the registry is still being populated while this module is imported
    # (audit is the last app), so get_models() is not allowed yet; every domain app is loaded.
    found = []
    for label in AUDITED_APPS:
        for model in apps.all_models[label].values():
            if model._meta.abstract or model._meta.proxy or not model._meta.managed:
                continue
            if model._meta.label in NOT_AUDITED:
                continue
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _track(model) -> None:
    pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=EXCLUDED_FIELDS.get(model._meta.label, []),
        # Unconstrained, unindexed-by-name link: the audit row outlives the object it describes.
        obj_field=pghistory.ObjForeignKey(related_name="audit_events", related_query_name="audit_event"),
        # Context denormalised into each row: nothing shared that a later write could change.
        context_field=pghistory.ContextJSONField(),
        model_name=event_model_name(model),
        app_label="audit",
        meta={"verbose_name": format_lazy("{} · {}", model._meta.verbose_name, _("审计记录"))},
    )(model)


for _model in audited_models():
    _track(_model)

# tracked model label ('issues.Issue') -> its event model, for the views and tests.
EVENT_MODELS: dict[str, type[Any]] = {
    # pghistory sets pgh_tracked_model on the event models it creates; the stubs cannot know it.
    obj.pgh_tracked_model._meta.label: obj  # type: ignore[attr-defined]
    for obj in list(vars(sys.modules[__name__]).values())
    if isinstance(obj, type) and getattr(obj, "pgh_tracked_model", None) is not None
}
