"""The traffic light, in Python and as SQL, from one rule.

green = on time; yellow = rectification deadline within DUE_SOON_WORKING_DAYS working days, or the
sign-for deadline passed unsigned; red = overdue (department still owes work, deadline passed);
none = closed or withdrawn. A submitted issue waits on the inspector, so it is never red or yellow.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Q, Value, When

from core.workdays import add_working_days
from issues.models import DEPARTMENT_OWES_STATUSES, DUE_SOON_WORKING_DAYS, IssueStatus, Light


def due_soon_cutoff(today: dt.date, *, version: int | None = None) -> dt.date:
    """The last date that counts as due soon. `version`: the committed data version, for read-only
    callers that have it (the holiday overrides are then reused, core.workdays)."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS, version=version)


def light_for(
    *,
    status: str,
    sign_deadline: dt.date,
    rectification_deadline: dt.date,
    today: dt.date,
    due_soon: dt.date | None = None,
) -> Light:
    if status not in DEPARTMENT_OWES_STATUSES:
        return Light.NONE if status in (IssueStatus.CLOSED, IssueStatus.WITHDRAWN) else Light.GREEN
    if today > rectification_deadline:
        return Light.RED
    if rectification_deadline <= (due_soon if due_soon is not None else due_soon_cutoff(today)):
        return Light.YELLOW
    if status == IssueStatus.HANDED_OFF and today > sign_deadline:
        return Light.YELLOW
    return Light.GREEN


def light_q(light: Light | str, *, today: dt.date, prefix: str = "", due_soon: dt.date | None = None) -> Q:
    """A filter matching issues whose light is `light` today. `due_soon` (the cutoff of
    due_soon_cutoff(today)) may be passed in so several lights share one holiday lookup."""
    light = Light(light)
    owes = Q(**{f"{prefix}status__in": DEPARTMENT_OWES_STATUSES})
    red = owes & Q(**{f"{prefix}rectification_deadline__lt": today})
    finished = Q(**{f"{prefix}status__in": (IssueStatus.CLOSED, IssueStatus.WITHDRAWN)})
    if light == Light.RED:
        return red
    if light == Light.NONE:
        return finished
    cutoff = due_soon if due_soon is not None else due_soon_cutoff(today)
    yellow = (
        owes
        & Q(**{f"{prefix}rectification_deadline__gte": today})
        & (
            Q(**{f"{prefix}rectification_deadline__lte": cutoff})
            | Q(**{f"{prefix}status": IssueStatus.HANDED_OFF, f"{prefix}sign_deadline__lt": today})
        )
    )
    if light == Light.YELLOW:
        return yellow
    return ~red & ~yellow & ~finished


def light_annotation(*, today: dt.date, version: int | None = None) -> Case:
    """The light as a SQL expression; costs one holiday-override lookup to build (none when the
    committed data `version` is given and the overrides are cached under it)."""
    due_soon = due_soon_cutoff(today, version=version)
    return Case(
        When(light_q(Light.NONE, today=today), then=Value(Light.NONE.value)),
        When(light_q(Light.RED, today=today), then=Value(Light.RED.value)),
        When(light_q(Light.YELLOW, today=today, due_soon=due_soon), then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
        output_field=CharField(),
    )
