"""Access matrix: every route of the URLconf × every HTTP method it accepts × every role, against
objects in and out of each role's scope. One table (RULES) holds every expectation.

* A route without a rule fails `test_every_route_has_an_expectation`, so a new page cannot ship
  without someone deciding who may open it.
* For each route, the methods it accepts are probed (anything but 405) and must be exactly the
  methods its rule lists, so a view that quietly accepts PUT/DELETE is noticed too.
* Outcomes: OK (the permission check passed: 2xx, 3xx elsewhere than the login page, or 400/409
  for a POST with an empty form), LOGIN (sent to the login page), or the exact 401/403/404/405.
  Out-of-scope objects must answer 404 — the same as a missing one — on the web and in the API.
* The Django admin is one rule: staff only (everyone else is sent to the admin login page).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clues.services import clue_register
from dispatch.models import Decision, DispatchMeeting
from inspections.models import VisitAttachment
from issues.models import EvidenceFile, Issue, IssueRecheck, ProgressUpdate, RecheckPhoto
from notifications.models import Notification
from projects.models import FactorGuarantee, ProcedureStage
from reports.export_jobs import export_job_create
from reports.models import ExportKind
from tests.factories import SiteVisitFactory
from tests.intake.sheets import row, upload

OK, LOGIN = "ok", "login"
ROLES = (
    "anon",
    "inspector",
    "other_inspector",
    "lead_liaison",
    "assisting_liaison",
    "other_liaison",
    "leader",
    "admin",
)
SIGNED_IN = ROLES[1:]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# --- who ---------------------------------------------------------------------------------------

INSPECTORS = ("inspector", "other_inspector")
LIAISONS = ("lead_liaison", "assisting_liaison", "other_liaison")
TOP = ("leader", "admin")
# Side A: project A (group A: "inspector"), issue A led by the lead department, assisted by the
# assisting department. Side B: project B (group B: "other_inspector"), issue B led by the
# other department.
ISSUE_A_READERS = ("inspector", "lead_liaison", "assisting_liaison", *TOP)
ISSUE_B_READERS = ("other_inspector", "other_liaison", *TOP)


def expect(ok=(), *, anon=LOGIN, otherwise=404, **exact) -> dict[str, object]:
    """Outcome per role: OK for `ok`, `otherwise` for the other signed-in roles, `anon` for the
    anonymous visitor; keyword overrides (role=outcome) win."""
    table = {role: (OK if role in ok else otherwise) for role in SIGNED_IN}
    table["anon"] = anon
    table.update(exact)
    return table


EVERYONE = expect(SIGNED_IN)
PUBLIC = expect(SIGNED_IN, anon=OK)
API_EVERYONE = expect(SIGNED_IN, anon=401)


@dataclass
class Case:
    label: str
    kwargs: object  # callable(objects) -> URL kwargs
    methods: dict[str, dict[str, object]]
    query: str = ""
    # The view does not restrict its methods (no require_GET/require_POST): PUT, PATCH, DELETE
    # behave like GET (or POST). Those are checked too, with the same expectations.
    lenient: bool = False
    # the role whose requests reveal the accepted methods (default: the first role let in)
    probe: str | None = None
    # a valid form body, where an empty one would stop at validation before the permission check
    data: dict | None = None


@dataclass
class Rule:
    cases: list[Case] = field(default_factory=list)


def one(methods: dict, kwargs=lambda o: {}, query: str = "") -> Rule:
    return Rule([Case("-", kwargs, methods, query)])


def per_object(kwargs_a, kwargs_b, methods_a: dict, methods_b: dict) -> Rule:
    return Rule([Case("side A", kwargs_a, methods_a), Case("side B", kwargs_b, methods_b)])


def lenient(rule: Rule) -> Rule:
    for case in rule.cases:
        case.lenient = True
    return rule


def pk(name):
    return lambda o: {"pk": getattr(o, name).pk}


def api_pk(name):
    return lambda o: {"pk": str(getattr(o, name).pk)}


# --- the table ------------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    # accounts
    "home": one({"GET": EVERYONE}),
    # FormView: PUT = POST. Signed-in users are redirected home whatever the method.
    "accounts:login": Rule([Case("-", lambda o: {}, {"GET": PUBLIC, "POST": PUBLIC, "PUT": PUBLIC}, probe="anon")]),
    # logging out lands on the login page, whoever you were
    "accounts:logout": one({"POST": expect((), anon=LOGIN, otherwise=LOGIN)}),
    "profile": one({"GET": EVERYONE}),
    "accounts:api_token_issue": one({"POST": EVERYONE}),
    "accounts:api_token_revoke": one({"POST": EVERYONE}),
    # two-step verification: one's own only; the code step sends anyone without a pending sign-in
    # back to the login page, and a signed-in user without a device home
    "accounts:login_code": one({"GET": EVERYONE, "POST": EVERYONE}),
    "accounts:two_factor": one({"GET": EVERYONE, "POST": EVERYONE}),
    "accounts:two_factor_recovery_codes": one({"POST": EVERYONE}),
    "accounts:two_factor_disable": one({"POST": EVERYONE}),
    "set_language": lenient(one({"POST": PUBLIC})),
    "javascript-catalog": one({"GET": PUBLIC}),
    "healthz": one({"GET": PUBLIC}),
    # the installable app: the service worker and the manifest are public (the login page uses them)
    "service-worker": one({"GET": PUBLIC}),
    "web-manifest": one({"GET": PUBLIC}),
    # projects and site visits: inspectors of the project's group, leaders, admins
    # (lists answer everyone with what their scope holds — possibly nothing; objects answer 404)
    "projects:list": one({"GET": EVERYONE}),
    "projects:detail": per_object(
        pk("project_a"),
        pk("project_b"),
        {"GET": expect(("inspector", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    # stages and factors are kept by the members of the project's groups; readers of the project
    # who are not (leaders, admins) get 403, everyone else 404
    **{
        name: per_object(
            kwargs_a,
            kwargs_b,
            {method: expect(("inspector",), leader=403, admin=403) for method in ("GET", "POST")},
            {method: expect(("other_inspector",), leader=403, admin=403) for method in ("GET", "POST")},
        )
        for name, kwargs_a, kwargs_b in (
            ("projects:stage_create", pk("project_a"), pk("project_b")),
            ("projects:factor_create", pk("project_a"), pk("project_b")),
            (
                "projects:stage_edit",
                lambda o: {"pk": o.project_a.pk, "stage_pk": o.stage_a.pk},
                lambda o: {"pk": o.project_b.pk, "stage_pk": o.stage_b.pk},
            ),
            (
                "projects:factor_edit",
                lambda o: {"pk": o.project_a.pk, "factor_pk": o.factor_a.pk},
                lambda o: {"pk": o.project_b.pk, "factor_pk": o.factor_b.pk},
            ),
        )
    },
    # visits are logged and changed by the project's inspectors only (leaders and admins read)
    "inspections:create": Rule(
        [
            Case(
                "project A",
                lambda o: {},
                {"GET": expect(("inspector",)), "POST": expect(("inspector",))},
                query="project={project_a}",
            ),
        ]
    ),
    # the offline drafts page: inspectors only (the drafts themselves stay on the device)
    "inspections:drafts": one({"GET": expect(INSPECTORS)}),
    "inspections:detail": per_object(
        pk("visit_a"),
        pk("visit_b"),
        {"GET": expect(("inspector", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    "inspections:edit": per_object(
        pk("visit_a"),
        pk("visit_b"),
        {"GET": expect(("inspector",)), "POST": expect(("inspector",))},
        {"GET": expect(("other_inspector",)), "POST": expect(("other_inspector",))},
    ),
    "inspections:archive": per_object(
        pk("visit_a"),
        pk("visit_b"),
        {"POST": expect(("inspector",))},
        {"POST": expect(("other_inspector",))},
    ),
    "inspections:attachment": per_object(
        pk("attachment_a"),
        pk("attachment_b"),
        {"GET": expect(("inspector", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    # issues
    "issues:ledger": one({"GET": EVERYONE}),
    "issues:create": one({"GET": expect(INSPECTORS, otherwise=403), "POST": expect(INSPECTORS, otherwise=403)}),
    "issues:handoff_deadlines": one({"GET": expect(INSPECTORS, otherwise=403)}),
    "issues:detail": per_object(
        pk("issue_a"),
        pk("issue_b"),
        {"GET": expect(ISSUE_A_READERS)},
        {"GET": expect(ISSUE_B_READERS)},
    ),
    "issues:act": Rule(
        [
            # in scope but not theirs to do: 403; out of scope: 404
            Case(
                "sign issue A",
                lambda o: {"pk": o.issue_a.pk, "action": "sign"},
                {"POST": expect(("lead_liaison",), inspector=403, assisting_liaison=403, leader=403, admin=403)},
            ),
            Case(
                "sign issue B",
                lambda o: {"pk": o.issue_b.pk, "action": "sign"},
                {"POST": expect(("other_liaison",), other_inspector=403, leader=403, admin=403)},
            ),
            Case(
                "edit issue A",
                lambda o: {"pk": o.issue_a.pk, "action": "edit"},
                {"POST": expect(("inspector",), lead_liaison=403, assisting_liaison=403, leader=403, admin=403)},
            ),
            Case(
                "instruct issue A",
                lambda o: {"pk": o.issue_a.pk, "action": "instruct"},
                {"POST": expect(("leader",), inspector=403, lead_liaison=403, assisting_liaison=403, admin=403)},
            ),
            Case(
                "progress issue A",
                lambda o: {"pk": o.issue_a.pk, "action": "progress"},
                {"POST": expect(("lead_liaison", "assisting_liaison"), inspector=403, leader=403, admin=403)},
            ),
            Case("unknown action", lambda o: {"pk": o.issue_a.pk, "action": "delete"}, {"POST": expect(())}),
        ]
    ),
    "issues:evidence": per_object(
        pk("evidence_a"),
        pk("evidence_b"),
        {"GET": expect(ISSUE_A_READERS)},
        {"GET": expect(ISSUE_B_READERS)},
    ),
    # 回头看: recorded by the project's inspectors (readers of the issue who are not: 403); the
    # visit's page for who reads the visit; the photos for who reads the issue
    "rechecks:create": per_object(
        pk("issue_a"),
        pk("issue_b"),
        {
            method: expect(("inspector",), lead_liaison=403, assisting_liaison=403, leader=403, admin=403)
            for method in ("GET", "POST")
        },
        {method: expect(("other_inspector",), other_liaison=403, leader=403, admin=403) for method in ("GET", "POST")},
    ),
    "rechecks:visit": per_object(
        pk("recheck_visit_a"),
        pk("recheck_visit_b"),
        {"GET": expect(("inspector", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    "issues:recheck_photo": per_object(
        pk("recheck_photo_a"),
        pk("recheck_photo_b"),
        {"GET": expect(ISSUE_A_READERS)},
        {"GET": expect(ISSUE_B_READERS)},
    ),
    # dispatch meetings: the group's members change them; leaders and invited departments read
    "dispatch:meeting_list": one({"GET": EVERYONE}),
    "dispatch:meeting_detail": per_object(
        pk("meeting_a"),
        pk("meeting_b"),
        {"GET": expect(("inspector", "lead_liaison", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    # who may see the meeting but not change it gets 403; who may not see it, 404
    **{
        name: per_object(
            pk("meeting_a"),
            pk("meeting_b"),
            {"POST": expect(("inspector", "admin"), leader=403, lead_liaison=403)},
            {"POST": expect(("other_inspector", "admin"), leader=403)},
        )
        for name in (
            "dispatch:meeting_reschedule",
            "dispatch:meeting_minutes",
            "dispatch:meeting_held",
            "dispatch:decision_add",
        )
    },
    "dispatch:decision_done": per_object(
        lambda o: {"pk": o.meeting_a.pk, "decision_pk": o.decision_a.pk},
        lambda o: {"pk": o.meeting_b.pk, "decision_pk": o.decision_b.pk},
        {"POST": expect(("inspector", "admin"), leader=403, lead_liaison=403)},
        {"POST": expect(("other_inspector", "admin"), leader=403)},
    ),
    "dispatch:rule_edit": per_object(
        lambda o: {"group_pk": o.group_a.pk},
        lambda o: {"group_pk": o.group_b.pk},
        # the rule belongs to the group's lead: group A's plain member gets 403
        {"GET": expect(("admin",), inspector=403), "POST": expect(("admin",), inspector=403)},
        {"GET": expect(("other_inspector", "admin")), "POST": expect(("other_inspector", "admin"))},
    ),
    # talks (约谈 / 提醒谈话): recorded by leaders and group leads; read by leaders, admins, the
    # group's members and the talk's department's liaisons; commitments confirmed by leaders,
    # admins, the talk's leader or recorder and the group's lead (readers who may not: 403)
    "talks:list": one({"GET": EVERYONE}),
    "talks:create": one(
        {
            "GET": expect(("other_inspector", "leader"), otherwise=403),
            "POST": expect(("other_inspector", "leader"), otherwise=403),
        }
    ),
    "talks:detail": per_object(
        pk("talk_a"),
        pk("talk_b"),
        {"GET": expect(("inspector", "lead_liaison", *TOP))},
        {"GET": expect(("other_inspector", "other_liaison", *TOP))},
    ),
    "talks:commitment_fulfil": per_object(
        lambda o: {"pk": o.talk_a.pk, "commitment_pk": o.commitment_a.pk},
        lambda o: {"pk": o.talk_b.pk, "commitment_pk": o.commitment_b.pk},
        {"POST": expect(TOP, inspector=403, lead_liaison=403)},
        {"POST": expect(("other_inspector", *TOP), other_liaison=403)},
    ),
    # a department's talks: the commission's side, and the department's own liaisons only
    "talks:department": per_object(
        lambda o: {"pk": o.world.lead_department.pk},
        lambda o: {"pk": o.world.other_department.pk},
        {"GET": expect((*INSPECTORS, "lead_liaison", *TOP))},
        {"GET": expect((*INSPECTORS, "other_liaison", *TOP))},
    ),
    # 问题线索: leaders, admins and the project's inspectors read; liaisons never (404 everywhere).
    # Entering one: the project's inspectors and leaders (admins, who read, get 403); 移送 is the
    # group lead's or a leader's, 登记处理结果 a leader's (clues.rules): a reader whose role may
    # never take the step gets 403, an outsider 404.
    "clues:list": one({"GET": expect((*INSPECTORS, *TOP))}),
    "clues:create": one(
        {"GET": expect((*INSPECTORS, "leader"), admin=403), "POST": expect((*INSPECTORS, "leader"), admin=403)}
    ),
    "clues:detail": per_object(
        pk("clue_a"),
        pk("clue_b"),
        {"GET": expect(("inspector", *TOP))},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    "clues:act": Rule(
        [
            Case(
                "hand over clue A",
                lambda o: {"pk": o.clue_a.pk, "action": "hand_over"},
                {"POST": expect(("leader",), inspector=403, admin=403)},
            ),
            Case(
                "hand over clue B (its group's lead)",
                lambda o: {"pk": o.clue_b.pk, "action": "hand_over"},
                {"POST": expect(("other_inspector", "leader"), admin=403)},
            ),
            Case(
                "outcome clue A",
                lambda o: {"pk": o.clue_a.pk, "action": "outcome"},
                {"POST": expect(("leader",), inspector=403, admin=403)},
            ),
            Case(
                "verify clue A",
                lambda o: {"pk": o.clue_a.pk, "action": "verify"},
                {"POST": expect(("inspector", "leader"), admin=403)},
            ),
            Case("unknown step", lambda o: {"pk": o.clue_a.pk, "action": "delete"}, {"POST": expect(())}),
        ]
    ),
    # notifications: one's own only
    "notifications:inbox": one({"GET": EVERYONE}),
    "notifications:open": one({"POST": expect(("lead_liaison",))}, pk("notification")),
    "notifications:mark_read": one({"POST": expect(("lead_liaison",))}, pk("notification")),
    "notifications:mark_all_read": one({"POST": EVERYONE}),
    "notifications:preferences": one({"GET": EVERYONE, "POST": EVERYONE}),
    # reports: the city-wide figures are for leaders, admins and inspectors
    "reports:dashboard": one({"GET": expect((*INSPECTORS, *TOP))}),
    "reports:summary_current": one({"GET": EVERYONE}),  # a redirect to this month's summary
    "reports:summary": one({"GET": expect((*INSPECTORS, *TOP))}, lambda o: {"month": o.month}),
    "reports:summary_docx": one({"GET": expect((*INSPECTORS, *TOP))}, lambda o: {"month": o.month}),
    "reports:summary_xlsx": one({"GET": expect((*INSPECTORS, *TOP))}, lambda o: {"month": o.month}),
    "reports:ledger_xlsx": one({"GET": EVERYONE}),
    # background exports: anyone may ask (an empty form is refused with a message: a redirect)
    # and list their own; a job, its progress and its file are its owner's only (404 to others)
    "reports:export_list": one({"GET": EVERYONE}),
    "reports:export_create": one({"POST": EVERYONE}),
    "reports:export_detail": per_object(
        pk("export_a"), pk("export_b"), {"GET": expect(("inspector",))}, {"GET": expect(("other_inspector",))}
    ),
    "reports:export_download": per_object(
        pk("export_a"), pk("export_b"), {"GET": expect(("inspector",))}, {"GET": expect(("other_inspector",))}
    ),
    # official documents: the 交办函 for whoever reads the issue; a batch from the ledger's scope
    # (a redirect back with a message when the selection is empty); minutes and 督办单 for the
    # commission's side only (a liaison who reads the meeting or issue gets 403)
    "reports:issue_letters": one({"GET": EVERYONE}),
    "reports:issue_letter_docx": per_object(
        pk("issue_a"), pk("issue_b"), {"GET": expect(ISSUE_A_READERS)}, {"GET": expect(ISSUE_B_READERS)}
    ),
    "reports:issue_supervision_docx": per_object(
        pk("overdue_a"),
        pk("overdue_b"),
        {"GET": expect(("inspector", *TOP), lead_liaison=403, assisting_liaison=403)},
        {"GET": expect(("other_inspector", *TOP), other_liaison=403)},
    ),
    "reports:meeting_minutes_docx": per_object(
        pk("held_a"),
        pk("held_b"),
        {"GET": expect(("inspector", *TOP), lead_liaison=403)},
        {"GET": expect(("other_inspector", *TOP))},
    ),
    # audit trail
    "audit:events": one({"GET": expect(TOP, anon=LOGIN)}),
    # the Excel 问题清单 import: inspectors only (everyone else 403, as the hand-off form); a batch
    # is its uploader's: another inspector gets 404
    "intake:batches": one({"GET": expect(INSPECTORS, otherwise=403)}),
    "intake:template": one({"GET": expect(INSPECTORS, otherwise=403)}),
    "intake:upload": one({"GET": expect(INSPECTORS, otherwise=403), "POST": expect(INSPECTORS, otherwise=403)}),
    **{
        name: per_object(
            pk("batch_a"),
            pk("batch_b"),
            {method: expect(("inspector",), otherwise=403, other_inspector=404)},
            {method: expect(("other_inspector",), otherwise=403, inspector=404)},
        )
        for name, method in (
            ("intake:detail", "GET"),
            ("intake:file", "GET"),
            ("intake:confirm", "POST"),
            ("intake:abandon", "POST"),
        )
    },
    "intake:letter": per_object(
        lambda o: {"pk": o.batch_a.pk, "department_pk": o.world.lead_department.pk},
        lambda o: {"pk": o.batch_b.pk, "department_pk": o.world.other_department.pk},
        {"GET": expect(("inspector",), otherwise=403, other_inspector=404)},
        {"GET": expect(("other_inspector",), otherwise=403, inspector=404)},
    ),
    # the background job of a letter past the inline bound: the batch checked as the letter's
    "intake:letter_job": per_object(
        lambda o: {"pk": o.batch_a.pk, "department_pk": o.world.lead_department.pk},
        lambda o: {"pk": o.batch_b.pk, "department_pk": o.world.other_department.pk},
        {"POST": expect(("inspector",), otherwise=403, other_inspector=404)},
        {"POST": expect(("other_inspector",), otherwise=403, inspector=404)},
    ),
    # API (token or session); anonymous 401; out of scope 404
    # The schema and its docs page, like the rest of the system, are closed to anonymous visitors.
    "api-schema": one({"GET": API_EVERYONE}),
    "api-docs": one({"GET": API_EVERYONE}),
    "summary": one({"GET": expect((*INSPECTORS, *TOP), anon=401)}, lambda o: {"yyyy_mm": o.month}),
    # the directory of departments an issue can be handed to: every signed-in caller
    "department-list": one({"GET": API_EVERYONE}),
    "department-detail": one({"GET": API_EVERYONE}, lambda o: {"pk": str(o.world.lead_department.pk)}),
    "project-list": one({"GET": API_EVERYONE}),
    "project-detail": per_object(
        api_pk("project_a"),
        api_pk("project_b"),
        {"GET": expect(("inspector", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    "group-list": one({"GET": API_EVERYONE}),
    "group-detail": per_object(
        api_pk("group_a"),
        api_pk("group_b"),
        {"GET": expect(("inspector", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    # POST = logging a visit through the API: inspectors only
    "visit-list": one({"GET": API_EVERYONE, "POST": expect(INSPECTORS, anon=401, otherwise=403)}),
    "visit-detail": per_object(
        api_pk("visit_a"),
        api_pk("visit_b"),
        {"GET": expect(("inspector", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    # an offline draft's photo, PUT by its recorder only: readers of the visit get 403, others 404
    "visit-photo": per_object(
        lambda o: {"pk": str(o.visit_a.pk), "index": "0"},
        lambda o: {"pk": str(o.visit_b.pk), "index": "0"},
        {"PUT": expect(("inspector",), anon=401, leader=403, admin=403)},
        {"PUT": expect(("other_inspector",), anon=401, leader=403, admin=403)},
    ),
    # POST = hand-off through the API: inspectors only
    "issue-list": one({"GET": API_EVERYONE, "POST": expect(INSPECTORS, anon=401, otherwise=403)}),
    "issue-detail": per_object(
        api_pk("issue_a"),
        api_pk("issue_b"),
        {"GET": expect(ISSUE_A_READERS, anon=401)},
        {"GET": expect(ISSUE_B_READERS, anon=401)},
    ),
    "issue-transitions": per_object(
        api_pk("issue_a"),
        api_pk("issue_b"),
        {"GET": expect(ISSUE_A_READERS, anon=401), "POST": expect(ISSUE_A_READERS, anon=401)},
        {"GET": expect(ISSUE_B_READERS, anon=401), "POST": expect(ISSUE_B_READERS, anon=401)},
    ),
    "issue-updates": Rule(
        [
            Case(
                "side A",
                api_pk("issue_a"),
                {
                    "GET": expect(ISSUE_A_READERS, anon=401),
                    "POST": expect(
                        ("lead_liaison", "assisting_liaison"), anon=401, inspector=403, leader=403, admin=403
                    ),
                },
                data={"text": "已完成现场整改。"},
            ),
            Case(
                "side B",
                api_pk("issue_b"),
                {
                    "GET": expect(ISSUE_B_READERS, anon=401),
                    "POST": expect(("other_liaison",), anon=401, other_inspector=403, leader=403, admin=403),
                },
                data={"text": "已完成现场整改。"},
            ),
        ]
    ),
    # the files behind a progress update's and a visit's download_url, for token clients
    "evidence-file": per_object(
        api_pk("evidence_a"),
        api_pk("evidence_b"),
        {"GET": expect(ISSUE_A_READERS, anon=401)},
        {"GET": expect(ISSUE_B_READERS, anon=401)},
    ),
    "attachment-file": per_object(
        api_pk("attachment_a"),
        api_pk("attachment_b"),
        {"GET": expect(("inspector", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    "meeting-list": one({"GET": API_EVERYONE}),
    "meeting-detail": per_object(
        api_pk("meeting_a"),
        api_pk("meeting_b"),
        {"GET": expect(("inspector", "lead_liaison", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    "talk-list": one({"GET": API_EVERYONE}),
    "talk-detail": per_object(
        api_pk("talk_a"),
        api_pk("talk_b"),
        {"GET": expect(("inspector", "lead_liaison", *TOP), anon=401)},
        {"GET": expect(("other_inspector", "other_liaison", *TOP), anon=401)},
    ),
    "clue-list": one({"GET": expect((*INSPECTORS, *TOP), anon=401)}),
    "clue-detail": per_object(
        api_pk("clue_a"),
        api_pk("clue_b"),
        {"GET": expect(("inspector", *TOP), anon=401)},
        {"GET": expect(("other_inspector", *TOP), anon=401)},
    ),
    "notification-list": one({"GET": API_EVERYONE}),
    "notification-read-all": one({"POST": API_EVERYONE}),
    "notification-detail": one({"GET": expect(("lead_liaison",), anon=401)}, api_pk("notification")),
    "notification-read": one({"POST": expect(("lead_liaison",), anon=401)}, api_pk("notification")),
}
ADMIN_RULE = "admin (staff only)"


# --- routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    resolver_key: str  # name, or the pattern when unnamed

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:") or self.pattern.startswith("admin/")

    @property
    def has_format_suffix(self) -> bool:
        return "(?P<format>" in self.pattern


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            pattern = prefix + str(entry.pattern)
            yield Route(name=name or "", pattern=pattern, resolver_key=name or pattern)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def rule_for(route: Route) -> Rule | str | None:
    if route.is_admin:
        return ADMIN_RULE
    return RULES.get(route.name)


# --- the world's objects -----------------------------------------------------------------------


@dataclass
class Objects:
    world: object
    issue_a: object = None
    issue_b: object = None
    evidence_a: object = None
    evidence_b: object = None
    visit_a: object = None
    visit_b: object = None
    attachment_a: object = None
    attachment_b: object = None
    meeting_a: object = None
    meeting_b: object = None
    decision_a: object = None
    decision_b: object = None
    overdue_a: object = None
    overdue_b: object = None
    held_a: object = None
    held_b: object = None
    notification: object = None
    stage_a: object = None
    stage_b: object = None
    factor_a: object = None
    factor_b: object = None
    recheck_visit_a: object = None
    recheck_visit_b: object = None
    recheck_photo_a: object = None
    recheck_photo_b: object = None
    talk_a: object = None
    talk_b: object = None
    commitment_a: object = None
    commitment_b: object = None
    clue_a: object = None
    clue_b: object = None
    export_a: object = None
    export_b: object = None
    batch_a: object = None
    batch_b: object = None
    month: str = ""

    def __getattr__(self, name):
        # project_a, group_b … straight from the world fixture
        world = self.__dict__["world"]
        return {
            "project_a": world.project,
            "project_b": world.other_project,
            "group_a": world.group,
            "group_b": world.other_group,
        }[name]


def _evidence(issue, author, department):
    update = ProgressUpdate.objects.create(
        issue=issue, author=author, department=department, text="已整改。", percent=50
    )
    evidence = EvidenceFile(
        update=update, original_name="现场照片.png", content_type="image/png", size=len(PNG), uploaded_by=author
    )
    evidence.file.save("evidence/matrix.png", ContentFile(PNG), save=False)
    evidence.save()
    return evidence


def _visit(project, inspector):
    visit = SiteVisitFactory(project=project, created_by=inspector)
    attachment = VisitAttachment(
        visit=visit, original_name="现场.png", content_type="image/png", size=len(PNG), uploaded_by=inspector
    )
    attachment.file.save("visits/matrix.png", ContentFile(PNG), save=False)
    attachment.save()
    return visit, attachment


def _recheck(issue, inspector):
    visit = SiteVisitFactory(project=issue.project, created_by=inspector, is_recheck=True)
    recheck = IssueRecheck.objects.create(issue=issue, visit=visit, result="rectified", recorded_by=inspector)
    photo = RecheckPhoto(
        recheck=recheck, original_name="回头看.png", content_type="image/png", size=len(PNG), uploaded_by=inspector
    )
    photo.file.save("rechecks/matrix.png", ContentFile(PNG), save=False)
    photo.save()
    return visit, photo


def _meeting(group, inspector, departments=()):
    today = timezone.localdate()
    meeting = DispatchMeeting.objects.create(
        group=group,
        month=today.replace(day=1),
        title=f"{group.name}{today:%Y年%m月}调度会",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="市纪委监委三楼会议室",
    )
    meeting.attending_departments.set(departments)
    decision = Decision.objects.create(meeting=meeting, text="加快用地报批。", created_by=inspector)
    return meeting, decision


def _overdue(issue: Issue) -> Issue:
    today = timezone.localdate()
    Issue.objects.filter(pk=issue.pk).update(
        sign_deadline=today - dt.timedelta(days=30), rectification_deadline=today - dt.timedelta(days=20)
    )
    return issue


def _held(group, departments=()):
    """A meeting of last month, held (the month must differ: one meeting per group and month)."""
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    meeting = DispatchMeeting.objects.create(
        group=group,
        month=last_month,
        title=f"{group.name}上月调度会",
        starts_at=timezone.now() - dt.timedelta(days=20),
        place="市纪委监委三楼会议室",
        status=DispatchMeeting.Status.HELD,
        held_at=timezone.now() - dt.timedelta(days=20),
    )
    meeting.attending_departments.set(departments)
    return meeting


def _talk(lead, group, department, issue):
    from talks.services import CommitmentInput, talk_record

    talk = talk_record(
        actor=lead,
        kind="interview",
        department=department,
        group=group,
        held_on=timezone.localdate(),
        interviewee_name="孙局长",
        interviewee_post="局长",
        reason="问题逾期未整改",
        agreed="限期整改到位",
        issues=[issue],
        commitments=[CommitmentInput("补正材料", 5)],
    )
    return talk, talk.commitments.get()


def _import_batch(inspector, values):
    """A 问题清单 of one row, handed off (so its letter exists; confirming again is refused)."""
    from intake import services as intake_services

    batch = intake_services.import_batch_upload(actor=inspector, upload=upload([values]))
    return intake_services.import_batch_confirm(batch=batch, actor=inspector)


@pytest.fixture
def objects(world) -> Objects:
    o = Objects(world=world)
    o.issue_a = world.hand_off()
    o.issue_b = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    o.evidence_a = _evidence(o.issue_a, world.lead_liaison, world.lead_department)
    o.evidence_b = _evidence(o.issue_b, world.other_liaison, world.other_department)
    o.visit_a, o.attachment_a = _visit(world.project, world.inspector)
    o.visit_b, o.attachment_b = _visit(world.other_project, world.other_inspector)
    o.meeting_a, o.decision_a = _meeting(world.group, world.inspector, [world.lead_department])
    o.meeting_b, o.decision_b = _meeting(world.other_group, world.other_inspector)
    o.notification = Notification.objects.filter(recipient=world.lead_liaison).first()
    o.overdue_a = _overdue(world.hand_off(title="逾期问题A"))
    o.overdue_b = _overdue(
        world.hand_off(
            actor=world.other_inspector,
            project=world.other_project,
            lead_department=world.other_department,
            assisting_departments=[],
            title="逾期问题B",
        )
    )
    o.held_a = _held(world.group, [world.lead_department])
    o.held_b = _held(world.other_group)
    o.month = timezone.localdate().strftime("%Y-%m")
    o.clue_a = clue_register(
        actor=world.inspector,
        issue=o.issue_a,  # type: ignore[arg-type]  # Objects holds its rows as `object`
        title="线索A",
        description="内容",
        subjects=[{"name": "甲某"}],
    )
    o.clue_b = clue_register(
        actor=world.other_inspector,
        issue=o.issue_b,  # type: ignore[arg-type]
        title="线索B",
        description="内容",
        subjects=[{"name": "乙某"}],
    )
    o.stage_a = ProcedureStage.objects.create(project=world.project, kind=ProcedureStage.Kind.LAND_APPROVAL)
    o.stage_b = ProcedureStage.objects.create(project=world.other_project, kind=ProcedureStage.Kind.LAND_APPROVAL)
    o.factor_a = FactorGuarantee.objects.create(project=world.project, factor=FactorGuarantee.Factor.WATER)
    o.factor_b = FactorGuarantee.objects.create(project=world.other_project, factor=FactorGuarantee.Factor.WATER)
    o.recheck_visit_a, o.recheck_photo_a = _recheck(o.issue_a, world.inspector)
    o.recheck_visit_b, o.recheck_photo_b = _recheck(o.issue_b, world.other_inspector)
    o.talk_a, o.commitment_a = _talk(world.group_lead, world.group, world.lead_department, o.issue_a)
    o.talk_b, o.commitment_b = _talk(world.other_inspector, world.other_group, world.other_department, o.issue_b)
    o.export_a = export_job_create(user=world.inspector, kind=ExportKind.LEDGER_XLSX)
    o.export_b = export_job_create(user=world.other_inspector, kind=ExportKind.LEDGER_XLSX)
    o.batch_a = _import_batch(world.inspector, row(description="批量导入的问题A。"))
    o.batch_b = _import_batch(
        world.other_inspector, row(project="旗滨光伏玻璃项目", description="批量导入的问题B。", lead="市生态环境局")
    )
    return o


# --- running --------------------------------------------------------------------------------------


def _client(role: str, world) -> Client:
    client = Client(REMOTE_ADDR="10.9.9.9")
    if role != "anon":
        client.force_login(getattr(world, role))
    return client


def _outcome(response) -> object:
    status = response.status_code
    location = response.get("Location", "")
    if status in (301, 302, 303) and ("/accounts/login/" in location or "/admin/login/" in location):
        return LOGIN
    if status in (401, 403, 404, 405):
        return status
    if status >= 500:
        return f"{status}!"
    return OK


def _url(route: Route, case: Case, o: Objects) -> str:
    from django.urls import reverse

    kwargs = dict(case.kwargs(o))
    if route.has_format_suffix:
        kwargs["format"] = "json"
    # The router registers the same name twice (with and without the format suffix).
    url = reverse(route.name, kwargs=kwargs or None)
    if route.has_format_suffix and not url.endswith(".json") and ".json" not in url:
        url = url.rstrip("/") + ".json"
    if case.query:
        url += "?" + case.query.format(project_a=o.world.project.pk)
    return url


def _request(client: Client, method: str, url: str, data: dict | None = None):
    send = getattr(client, method.lower())
    if data is not None and method == "POST":
        return send(url, data=data)  # multipart, as a browser or the API's upload clients send it
    if url.startswith("/api/") and method in ("POST", "PUT", "PATCH"):
        return send(url, data={}, content_type="application/json")
    return send(url)


OBSERVE = os.environ.get("DUDAO_MATRIX_OBSERVE") == "1"

ROUTES = [r for r in all_routes() if not r.is_admin]
ROUTE_KEYS = sorted({r.name for r in ROUTES if RULES.get(r.name)})


def test_every_route_has_an_expectation(capsys):
    routes = all_routes()
    missing = sorted({r.resolver_key for r in routes if rule_for(r) is None})
    stale = sorted(set(RULES) - {r.name for r in routes})
    covered = [r for r in routes if rule_for(r) is not None]
    with capsys.disabled():
        print(
            f"\naccess matrix: {len(covered)} of {len(routes)} URL patterns covered "
            f"({len({r.name for r in covered if not r.is_admin})} named routes + "
            f"{sum(r.is_admin for r in covered)} admin patterns under one staff-only rule)"
        )
    assert not missing, f"routes without an access expectation in RULES: {missing}"
    assert not stale, f"RULES for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTE_KEYS)
def test_route_access(name, objects):
    rule = RULES[name]
    routes = [r for r in ROUTES if r.name == name]
    problems = []
    for route in routes:
        for case in rule.cases:
            url = _url(route, case, objects)
            # Which methods does the view accept? Ask as a role the case lets in (else admin).
            allowed_role = case.probe or next(
                (role for method in case.methods for role in SIGNED_IN if case.methods[method][role] == OK), "admin"
            )
            accepted = {m for m in METHODS if _outcome(_request(_client(allowed_role, objects.world), m, url)) != 405}
            declared = set(METHODS) if case.lenient else set(case.methods)
            if accepted != declared:
                problems.append(f"{url} [{case.label}]: accepts {sorted(accepted)}, table lists {sorted(declared)}")
            checks = [(method, expected, ROLES) for method, expected in case.methods.items()]
            if case.lenient:
                # the extra methods run the same code as GET/POST: one allowed, one refused, anonymous
                base = case.methods.get("GET") or case.methods["POST"]
                sample = ["anon"]
                sample += [next((r for r in SIGNED_IN if base[r] == OK), "admin")]
                sample += [r for r in SIGNED_IN if base[r] != OK][:1]
                checks += [(method, base, sample) for method in METHODS if method not in case.methods]
            for method, expected, roles in checks:
                for role in roles:
                    got = _outcome(_request(_client(role, objects.world), method, url, case.data))
                    if got != expected[role]:
                        problems.append(
                            f"{method} {url} [{case.label}] as {role}: got {got}, expected {expected[role]}"
                        )
    if OBSERVE and problems:
        print("\n".join(problems))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_admin_is_staff_only(objects):
    """Every admin URL: anonymous and non-staff users are sent to the admin login; staff get in."""
    from django.urls import reverse

    admin_routes = [r for r in all_routes() if r.is_admin]
    problems = []
    checked = 0
    for route in admin_routes:
        if not route.name:
            continue  # the catch-all final pattern; exercised by the others
        try:
            url = reverse(route.name, kwargs=_admin_kwargs(route))
        except Exception as error:  # a pattern we cannot build is itself a finding
            problems.append(f"cannot build {route.pattern}: {error}")
            continue
        public = route.name in ("admin:login", "admin:logout")
        for role in ("anon", "leader"):  # the leader: the most trusted role without staff status
            got = _outcome(_client(role, objects.world).get(url))
            if got != (OK if public else LOGIN):
                problems.append(f"GET {url} as {role}: got {got}, expected admin login")
        got = _outcome(_client("admin", objects.world).get(url))
        # 403 is fine for staff: it is the admin refusing an action it disabled (e.g. delete)
        if (got == LOGIN and not public) or str(got).endswith("!"):
            problems.append(f"GET {url} as admin: got {got}")
        checked += 1
    print(f"admin: {checked} named admin URLs checked")
    assert checked > 20
    assert not problems, "\n".join(problems)


def _admin_kwargs(route: Route) -> dict | None:
    from django.urls.resolvers import RoutePattern  # noqa: F401 - documents the converter source

    kwargs = {}
    for key in ("object_id", "app_label", "content_type_id", "id"):
        if f"<{key}>" in route.pattern or f"<path:{key}>" in route.pattern or f"(?P<{key}>" in route.pattern:
            kwargs[key] = "1"
    if "(?P<app_label>" in route.pattern:
        kwargs["app_label"] = route.pattern.split("(?P<app_label>")[1].split(")")[0].strip("^$").split("|")[0]
    if "<int:content_type_id>" in route.pattern:
        kwargs["content_type_id"] = 1
    return kwargs or None
