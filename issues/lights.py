"""The traffic light, in Python and as SQL, from the one definition of each deadline condition
(issues.conditions).

green = on time; yellow = rectification deadline within DUE_SOON_WORKING_DAYS working days, or the
sign-for deadline passed unsigned; red = overdue (department still owes work, deadline passed);
none = closed or withdrawn. A submitted issue waits on the inspector, so it is never red or yellow.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db.models import Case, CharField, Q, Value, When

from core.workdays import add_working_days
from issues.conditions import DUE_SOON, FINISHED, OVERDUE, OWES_WORK, SIGN_OVERDUE, Compare, Condition
from issues.models import DUE_SOON_WORKING_DAYS, Light


def due_soon_cutoff(today: dt.date, *, version: int | str | None = None) -> dt.date:
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
    """The light of one issue, from the conditions the SQL below uses (issues.conditions)."""
    issue = SimpleNamespace(status=status, sign_deadline=sign_deadline, rectification_deadline=rectification_deadline)
    for light, condition in _LIGHTS:
        if light == Light.YELLOW and due_soon is None and OWES_WORK.holds(issue):
            due_soon = due_soon_cutoff(today)  # a holiday lookup: only for work still owed, not late
        if condition.holds(issue, today=today, due_soon=due_soon):
            return light
    return Light.GREEN


# In order: the first that holds is the light. Yellow is "due soon, or the sign-for deadline passed"
# for work the department still owes and that is not yet late.
_LIGHTS: tuple[tuple[Light, Condition], ...] = (
    (Light.NONE, FINISHED),
    (Light.RED, OVERDUE),
    (Light.YELLOW, DUE_SOON | (SIGN_OVERDUE & Compare("rectification_deadline", ">=", "today"))),
)


def light_q(light: Light | str, *, today: dt.date, prefix: str = "", due_soon: dt.date | None = None) -> Q:
    """A filter matching issues whose light is `light` today. `due_soon` (the cutoff of
    due_soon_cutoff(today)) may be passed in so several lights share one holiday lookup."""
    light = Light(light)
    conditions = dict(_LIGHTS)
    if light in (Light.NONE, Light.RED):
        return conditions[light].q(prefix=prefix, today=today)
    bounds = {"today": today, "due_soon": due_soon if due_soon is not None else due_soon_cutoff(today)}
    yellow = conditions[Light.YELLOW].q(prefix=prefix, **bounds)
    if light == Light.YELLOW:
        return yellow
    others = (conditions[Light.NONE], conditions[Light.RED])
    return ~yellow & ~others[0].q(prefix=prefix, today=today) & ~others[1].q(prefix=prefix, today=today)


def light_annotation(*, today: dt.date, version: int | str | None = None) -> Case:
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
