"""Every write to clues: register one (from an issue, a finding, or directly), add the people
concerned, hand it over (移送), verify it (初步核实), dispose of it (了结 / 谈话函询 / 暂存待查 /
立案审查调查), record each person's outcome, conclude the case, notify it publicly (通报曝光).

Each function checks the actor against clues.rules (CluePermissionDenied), compares-and-sets the
status the caller saw and, when sent, the version (ClueConflict), refuses a step the status does
not allow (ClueStepNotAllowed) and writes one ClueEvent. The day a step took effect may be given
(a step recorded after the fact) but never lies in the future nor before the previous step. Nothing
is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from clues import rollup
from clues.errors import ClueConflict, ClueInvalid, CluePermissionDenied, ClueStepNotAllowed
from clues.models import (
    Clue,
    ClueEvent,
    ClueRollup,
    ClueSource,
    ClueStatus,
    ClueSubject,
    GovernmentSanction,
    OrganizationalMeasure,
    PartySanction,
    SupervisionForm,
)
from clues.rules import DISPOSALS, STEPS, actor_allowed, user_may_register_on
from inspections.models import Finding
from issues.models import Issue
from projects.models import Project

A = ClueEvent.Action


def _text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ClueInvalid(message, field=field)
    return text


def _day(value: dt.date | None, *, field: str, not_before: dt.date | None = None) -> dt.date:
    today = timezone.localdate()
    day = value or today
    if day > today:
        raise ClueInvalid(_("日期不能晚于今天。"), field=field)
    if not_before is not None and day < not_before:
        raise ClueInvalid(_("日期不能早于上一步的日期（%(day)s）。") % {"day": not_before.isoformat()}, field=field)
    return day


def _check(*, clue: Clue, actor: User, action: str) -> None:
    step = STEPS[action]
    if not actor_allowed(user=actor, clue=clue, actor=step.actor):
        raise CluePermissionDenied()
    if clue.status not in step.sources:
        raise ClueStepNotAllowed(status=clue.get_status_display(), step=step.label)


def _compare_and_set(*, clue: Clue, action: str, expected_version: int | None, **updates: Any) -> str:
    """ONE UPDATE that succeeds only while the clue is in the status the caller saw (and at the
    version the client sent): moves it to the step's target, counts the version up. Zero rows:
    someone was faster (ClueConflict). Returns the old status."""
    step = STEPS[action]
    from_status = clue.status
    guard: dict[str, Any] = {"pk": clue.pk, "status": from_status}
    if expected_version is not None:
        guard["version"] = expected_version
    changed = Clue.objects.filter(**guard).update(
        status=step.target or from_status, version=F("version") + 1, updated_at=timezone.now(), **updates
    )
    if changed != 1:
        current = Clue.objects.filter(pk=clue.pk).first()
        raise ClueConflict(status=current.get_status_display() if current else "—")
    clue.refresh_from_db()
    return from_status


def _event(*, clue: Clue, actor: User, action: str, from_status: str = "", note: str = "", **data: Any) -> ClueEvent:
    """The event row of a step; a change of status records both ends (registering: the new one)."""
    return ClueEvent.objects.create(
        clue=clue,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=clue.status if from_status or action == A.REGISTER else "",
        note=note,
        data={"version": clue.version, **data},
    )


def _subject(*, clue: Clue, position: int, values: dict[str, Any]) -> ClueSubject:
    name = _text(values.get("name"), field="name", message=_("请填写涉及人员的姓名。"))
    department = values.get("department")
    if department is not None and not isinstance(department, Department):
        raise ClueInvalid(_("所在单位无效。"), field="department")
    return ClueSubject.objects.create(
        clue=clue, name=name, post=(values.get("post") or "").strip(), department=department, position=position
    )


# --- register ---------------------------------------------------------------------------------


@transaction.atomic
def clue_register(
    *,
    actor: User,
    title: str,
    description: str,
    project: Project | None = None,
    issue: Issue | None = None,
    finding: Finding | None = None,
    subjects: Sequence[dict[str, Any]] = (),
) -> Clue:
    """A new clue, 待移送. From an issue or a finding its project is theirs (a project given beside
    them must agree); entered directly it needs the project. The people concerned (name, post,
    department) may be given now or added later."""
    if issue is not None and finding is not None:
        raise ClueInvalid(_("一条线索只能有一个来源。"))
    if issue is not None:
        source, origin_project_id = ClueSource.ISSUE, issue.project_id
    elif finding is not None:
        source, origin_project_id = ClueSource.FINDING, finding.visit.project_id
    else:
        if project is None:
            raise ClueInvalid(_("请选择线索所属项目。"), field="project")
        source, origin_project_id = ClueSource.DIRECT, project.pk
    if project is not None and project.pk != origin_project_id:
        raise ClueInvalid(_("线索所属项目与来源不一致。"), field="project")
    if not user_may_register_on(user=actor, project_id=origin_project_id):
        raise CluePermissionDenied(_("只有该项目的督导组成员或领导可以登记问题线索。"))
    clue = Clue.objects.create(
        project_id=origin_project_id,
        source=source,
        issue=issue,
        finding=finding,
        title=_text(title, field="title", message=_("请填写线索名称。")),
        description=_text(description, field="description", message=_("请填写反映的主要问题。")),
        created_by=actor,
    )
    for position, values in enumerate(subjects):
        _subject(clue=clue, position=position, values=values)
    _event(clue=clue, actor=actor, action=A.REGISTER, source=source)
    return clue


@transaction.atomic
def clue_edit(*, clue: Clue, actor: User, title: str, description: str, expected_version: int | None = None) -> Clue:
    """Correct what a clue says before it is handed over."""
    _check(clue=clue, actor=actor, action=A.EDIT)
    title = _text(title, field="title", message=_("请填写线索名称。"))
    description = _text(description, field="description", message=_("请填写反映的主要问题。"))
    changes = {
        name: {"from": getattr(clue, name), "to": value}
        for name, value in (("title", title), ("description", description))
        if getattr(clue, name) != value
    }
    _compare_and_set(clue=clue, action=A.EDIT, expected_version=expected_version, title=title, description=description)
    _event(clue=clue, actor=actor, action=A.EDIT, changes=changes)
    return clue


@transaction.atomic
def clue_add_subject(
    *,
    clue: Clue,
    actor: User,
    name: str,
    post: str = "",
    department: Department | None = None,
    expected_version: int | None = None,
) -> ClueSubject:
    """One more person concerned (while the clue is open: before a disposal that ends it)."""
    _check(clue=clue, actor=actor, action=A.ADD_SUBJECT)
    _compare_and_set(clue=clue, action=A.ADD_SUBJECT, expected_version=expected_version)
    position = ClueSubject.objects.filter(clue=clue).count()
    subject = _subject(clue=clue, position=position, values={"name": name, "post": post, "department": department})
    _event(clue=clue, actor=actor, action=A.ADD_SUBJECT, note=subject.name, subject=subject.pk)
    return subject


# --- the commission's steps ---------------------------------------------------------------------


@transaction.atomic
def clue_hand_over(
    *,
    clue: Clue,
    actor: User,
    received_on: dt.date | None = None,
    handed_over_to: Department | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Clue:
    """移送: the case-handling side receives the clue on `received_on` (today by default) — from
    that day on it counts among the clues received (受理问题线索). It needs a person concerned."""
    _check(clue=clue, actor=actor, action=A.HAND_OVER)
    if not ClueSubject.objects.filter(clue=clue).exists():
        raise ClueInvalid(_("移送前请至少登记一名涉及人员。"))
    day = _day(received_on, field="received_on")
    from_status = _compare_and_set(
        clue=clue, action=A.HAND_OVER, expected_version=expected_version, received_on=day, handed_over_to=handed_over_to
    )
    _event(clue=clue, actor=actor, action=A.HAND_OVER, from_status=from_status, note=note.strip(), on=day.isoformat())
    return clue


@transaction.atomic
def clue_start_verification(
    *, clue: Clue, actor: User, note: str, on: dt.date | None = None, expected_version: int | None = None
) -> Clue:
    """初步核实 begins; the note says how it is verified and what was found so far."""
    _check(clue=clue, actor=actor, action=A.VERIFY)
    text = _text(note, field="note", message=_("请填写初步核实情况。"))
    day = _day(on, field="on", not_before=clue.received_on)
    from_status = _compare_and_set(
        clue=clue,
        action=A.VERIFY,
        expected_version=expected_version,
        verification_started_on=day,
        verification_note=text,
    )
    _event(clue=clue, actor=actor, action=A.VERIFY, from_status=from_status, note=text, on=day.isoformat())
    return clue


@transaction.atomic
def clue_dispose(
    *,
    clue: Clue,
    actor: User,
    disposal: str,
    note: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> Clue:
    """After 初步核实, one of: 予以了结 (close), 谈话函询 (talk), 暂存待查 (shelve) — the group lead
    or a leader — or 立案审查调查 (file_case) — a leader. The note is the 处置意见. A case counts
    among the cases filed (立案) from its day."""
    if disposal not in DISPOSALS:
        raise ClueInvalid(_("请选择处置方式。"), field="disposal")
    _check(clue=clue, actor=actor, action=disposal)
    text = _text(note, field="note", message=_("请填写处置意见。"))
    day = _day(on, field="on", not_before=clue.verification_started_on)
    updates: dict[str, Any] = {"disposed_on": day, "disposal_note": text}
    if disposal == A.FILE_CASE:
        updates["filed_on"] = day
    from_status = _compare_and_set(clue=clue, action=disposal, expected_version=expected_version, **updates)
    _event(clue=clue, actor=actor, action=disposal, from_status=from_status, note=text, on=day.isoformat())
    return clue


@transaction.atomic
def clue_resume(*, clue: Clue, actor: User, note: str, expected_version: int | None = None) -> Clue:
    """A shelved clue (暂存待查) is taken up again: back to 初步核实."""
    _check(clue=clue, actor=actor, action=A.RESUME)
    text = _text(note, field="note", message=_("请填写恢复核实的理由。"))
    from_status = _compare_and_set(clue=clue, action=A.RESUME, expected_version=expected_version, disposed_on=None)
    _event(clue=clue, actor=actor, action=A.RESUME, from_status=from_status, note=text)
    return clue


def _choice(value: str | None, choices: Iterable[str], *, field: str) -> str:
    value = value or ""
    if value and value not in choices:
        raise ClueInvalid(_("选项无效。"), field=field)
    return value


@transaction.atomic
def clue_record_outcome(
    *,
    clue: Clue,
    actor: User,
    subject: ClueSubject,
    supervision_form: str,
    party_sanction: str = "",
    government_sanction: str = "",
    organizational_measure: str = "",
    decided_on: dt.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> ClueSubject:
    """What was decided about one person concerned: the form (四种形态) and any 党纪处分, 政务处分,
    组织处理, on `decided_on`. A leader records it, for a case (立案) — or, after 谈话函询, only
    the first form without sanctions (批评教育、谈话提醒…). Recorded once per person; from
    `decided_on` he counts among the people sanctioned by kind."""
    _check(clue=clue, actor=actor, action=A.OUTCOME)
    if subject.clue_id != clue.pk:
        raise ClueInvalid(_("该人员不属于这条线索。"), field="subject")
    form = _choice(supervision_form, SupervisionForm.values, field="supervision_form")
    if not form:
        raise ClueInvalid(_("请选择运用的形态。"), field="supervision_form")
    party = _choice(party_sanction, PartySanction.values, field="party_sanction")
    government = _choice(government_sanction, GovernmentSanction.values, field="government_sanction")
    measure = _choice(organizational_measure, OrganizationalMeasure.values, field="organizational_measure")
    if clue.status == ClueStatus.TALK and (form != SupervisionForm.FIRST or party or government):
        raise ClueInvalid(_("谈话函询只能运用第一种形态，不能给予处分；需要处分的请立案审查调查。"))
    if form == SupervisionForm.FIRST and (party or government):
        raise ClueInvalid(_("给予党纪政务处分的，不属于第一种形态。"), field="supervision_form")
    day = _day(decided_on, field="decided_on", not_before=clue.filed_on or clue.disposed_on)
    # The clue first, then its person: every step locks in that order (the exposure updates the
    # clue, then the people it names), so two steps on one clue wait for each other instead of
    # deadlocking. A refusal below rolls the version back with the transaction.
    _compare_and_set(clue=clue, action=A.OUTCOME, expected_version=expected_version)
    locked = ClueSubject.objects.select_for_update().get(pk=subject.pk)
    if locked.decided_on is not None:
        raise ClueConflict(_("该人员的处理结果已登记（%(day)s）。"), day=locked.decided_on.isoformat())
    ClueSubject.objects.filter(pk=subject.pk).update(
        supervision_form=form,
        party_sanction=party,
        government_sanction=government,
        organizational_measure=measure,
        decided_on=day,
        outcome_note=note.strip(),
    )
    subject.refresh_from_db()
    _event(
        clue=clue,
        actor=actor,
        action=A.OUTCOME,
        note=note.strip(),
        subject=subject.pk,
        name=subject.name,
        supervision_form=form,
        party_sanction=party,
        government_sanction=government,
        organizational_measure=measure,
        on=day.isoformat(),
    )
    return subject


@transaction.atomic
def clue_conclude(
    *, clue: Clue, actor: User, note: str, on: dt.date | None = None, expected_version: int | None = None
) -> Clue:
    """审查调查终结: a leader closes the case once every person concerned has his outcome."""
    _check(clue=clue, actor=actor, action=A.CONCLUDE)
    if ClueSubject.objects.filter(clue=clue, decided_on__isnull=True).exists():
        raise ClueInvalid(_("还有涉及人员未登记处理结果。"))
    text = _text(note, field="note", message=_("请填写审查调查结论。"))
    day = _day(on, field="on", not_before=clue.filed_on)
    from_status = _compare_and_set(clue=clue, action=A.CONCLUDE, expected_version=expected_version, concluded_on=day)
    _event(clue=clue, actor=actor, action=A.CONCLUDE, from_status=from_status, note=text, on=day.isoformat())
    return clue


@transaction.atomic
def clue_expose(
    *,
    clue: Clue,
    actor: User,
    exposed_on: dt.date | None,
    named: Iterable[ClueSubject],
    note: str,
    expected_version: int | None = None,
) -> Clue:
    """通报曝光: a leader notifies the clue publicly as a typical problem on `exposed_on`, naming
    some of the people concerned. Once per clue: it counts as one 通报曝光典型问题 from that day,
    and the people named as 通报曝光 people."""
    _check(clue=clue, actor=actor, action=A.EXPOSE)
    if clue.exposed_on is not None:
        raise ClueStepNotAllowed(_("该线索已于%(day)s通报曝光。"), day=clue.exposed_on.isoformat())
    text = _text(note, field="note", message=_("请填写通报曝光的载体和内容。"))
    day = _day(exposed_on, field="exposed_on", not_before=clue.disposed_on)
    named_ids = sorted({subject.pk for subject in named})
    if ClueSubject.objects.filter(pk__in=named_ids).exclude(clue=clue).exists():
        raise ClueInvalid(_("该人员不属于这条线索。"), field="named")
    _compare_and_set(
        clue=clue,
        action=A.EXPOSE,
        expected_version=expected_version,
        exposed_on=day,
        exposure_note=text,
    )
    ClueSubject.objects.filter(clue=clue, pk__in=named_ids).update(exposed=True)
    _event(clue=clue, actor=actor, action=A.EXPOSE, note=text, on=day.isoformat(), named=named_ids)
    return clue


# --- the campaign figures' rollup outside its triggers (clues.rollup) ------------------------


def clue_rollup_snapshot() -> dict[tuple[str, int, dt.date], int]:
    """The rollup as {(figure, project, month): n}, rows counting nothing left out (what a
    comparison needs)."""
    return {
        (figure, project_id, month): n
        for figure, project_id, month, n in ClueRollup.objects.exclude(n=0).values_list(
            "figure", "project_id", "month", "n"
        )
    }


@transaction.atomic
def clue_rollup_rebuild() -> int:
    """Count the rollup again from the clues and people, in one transaction; returns the rows
    written. On PostgreSQL the clue tables are locked against writes meanwhile (readers go on), so
    no change lands between the count and the commit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE clues_clue, clues_cluesubject, {rollup.TABLE} IN SHARE ROW EXCLUSIVE MODE")
        for statement in rollup.rebuild_sql(connection.vendor):
            cursor.execute(statement)
    return ClueRollup.objects.count()


def clue_rollup_clear_when_no_clue(sender: object, using: str = "default", **kwargs: object) -> None:
    """post_migrate (migrate, and `flush`, which sends it): with no clue left, the rollup holds no
    count. A flush on SQLite empties the tables with one DELETE each in an order it does not
    promise: the rollup emptied before the clues, the next clue's DELETE trigger counts the clues
    still there into the city's rows, which the last deletes never take out again."""
    connection_ = connections[using]
    with connection_.cursor() as cursor:
        # A partial migrate (`migrate accounts 0001`) sends it before the tables exist.
        if not {rollup.TABLE, "clues_clue"} <= set(connection_.introspection.table_names(cursor)):
            return
        cursor.execute(f"DELETE FROM {rollup.TABLE} WHERE NOT EXISTS (SELECT 1 FROM clues_clue)")
