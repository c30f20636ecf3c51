"""Data set S for the reports benchmark: 2,000 projects, 50 departments, 200,000 issues and
1,000,000 progress updates spread over 24 months — in minutes.

    python manage.py generate_scale_data                 # S
    python manage.py generate_scale_data --scale 0.01    # 1 % of S (20 projects, 2,000 issues …)

The two big tables (issues, progress updates, plus the assisting-department links) go in with
PostgreSQL COPY; the small ones with bulk_create. On SQLite everything is bulk_create (use a small
--scale there). Rows are consistent with the model's constraints and the workflow's timestamps
(signed -> submitted -> closed, returns counted, withdrawals) but no IssueEvent rows are written:
no figure reads them. Row-level audit triggers are switched off for the session while loading on
PostgreSQL (session_replication_role = replica): an audit trail of synthetic rows has no reader.
That switches off the issue rollup's triggers too, so the rollup is recounted at the end
(rollups.services.rollups_rebuild), and so is the clue rollup (clues.services.clue_rollup_rebuild),
as `manage.py rebuild_rollups` does.

On PostgreSQL the secondary indexes of the big tables (issues with their three trigram GIN
indexes, progress updates, assisting links, the rollup) are dropped inside the loading
transaction and built again once the rows are in (with a large maintenance_work_mem): building an
index from sorted rows is several times cheaper than keeping 18 indexes current row by row, most
of all the GIN ones. Primary keys stay; so does any index a foreign key relies on. If anything
fails the transaction rolls back and the indexes are as they were.
Refuses to run twice on the same database.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from operator import itemgetter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from clues.models import Clue, ClueSource, ClueStatus, ClueSubject
from clues.services import clue_rollup_rebuild
from dispatch.models import Decision, DispatchMeeting
from inspections.models import SiteVisit
from issues.models import Issue, IssueCategory, IssueSeverity, IssueStatus, ProgressUpdate
from projects.models import GroupMembership, ProcedureKind, ProcedureStage, ProcedureStatus, Project, SupervisionGroup
from rollups.services import rollups_rebuild

PREFIX = "S"  # codes S0000001…, names 规模测试…
BATCH = 5000
# Whose secondary indexes are built after the load (PostgreSQL).
DEFERRED_INDEX_TABLES = (
    "issues_issue",
    "issues_issue_assisting_departments",
    "issues_progressupdate",
    "rollups_issuerollup",
)
CATEGORIES = [c.value for c in IssueCategory]
CATEGORY_WEIGHTS = [40, 30, 12, 13, 5]
PROGRESS_TEXTS = [
    "已召开专题会研究整改措施",
    "已完成现场核查",
    "已形成整改方案并报送",
    "正在协调相关部门推进",
    "已完成整改并归档佐证材料",
]


class Command(BaseCommand):
    help = "Builds data set S (2,000 projects, 50 departments, 200,000 issues, 1,000,000 updates, 24 months)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="fraction of S (default 1.0)")
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--departments", type=int, default=50)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10]")
        if Issue.objects.filter(code=f"{PREFIX}0000001").exists():
            raise CommandError("scale data already present in this database (issue S0000001 exists)")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.months = options["months"]
        self.span_days = self.months * 365 // 12
        self.pg = connection.vendor == "postgresql"
        counts = {
            "projects": max(int(2000 * scale), 2),
            "departments": max(options["departments"], 2),
            "issues": max(int(200_000 * scale), 10),
            "updates": max(int(1_000_000 * scale), 10),
            "groups": max(int(20 * scale), 1),
            "visits": max(int(24_000 * scale), 5),
            "cases": max(int(4_000 * scale), 2),
        }
        started = time.monotonic()
        with transaction.atomic():
            if self.pg:
                with connection.cursor() as cursor:
                    try:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                    except Exception as error:  # not a superuser: load with the triggers on
                        self.stderr.write(f"audit triggers stay on ({error}); loading will be slower")
            rebuild = self._drop_indexes(DEFERRED_INDEX_TABLES) if self.pg else []
            self._people_and_units(counts)
            self._step("projects, groups, stages", lambda: self._projects(counts))
            self._step("issues", lambda: self._issues(counts["issues"]))
            self._step("progress updates", lambda: self._updates(counts["updates"]))
            self._step("visits, cases, meetings", lambda: self._the_rest(counts))
            self._step("issue rollup", rollups_rebuild)
            self._step("clue rollup", clue_rollup_rebuild)
            self._step(f"indexes ({len(rebuild)})", lambda: self._run(rebuild))
        if self.pg:
            with connection.cursor() as cursor:
                # As autovacuum leaves a loaded table (PostgreSQL 13+ vacuums after inserts too): the
                # planner's statistics, and the visibility map that lets an index-only scan skip the
                # rows (the ledger's page ids, issues' issue_handed_off_scope).
                # VACUUM cannot run in a transaction: a caller's (a test's) gets the statistics only.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        self.stdout.write(
            self.style.SUCCESS(
                f"data set built in {time.monotonic() - started:.0f} s: "
                + ", ".join(f"{name} {number:,}" for name, number in counts.items())
            )
        )

    def _drop_indexes(self, tables) -> list[str]:
        """Drop the secondary indexes of `tables` (unique constraints included: the generated rows
        are unique by construction, and the re-added constraint checks it); returns the
        statements that build them again. Kept: primary keys and any index a foreign key uses."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
                       c.conname, pg_get_constraintdef(c.oid)
                FROM pg_index i
                LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('u', 'x')
                WHERE i.indrelid = ANY (%s::regclass[]) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
                ORDER BY 1, 2
                """,
                [list(tables)],
            )
            found = cursor.fetchall()
            rebuild = []
            for table, index, definition, constraint, constraint_definition in found:
                if constraint:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
                    rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}')
                else:
                    cursor.execute(f"DROP INDEX {index}")
                    rebuild.append(definition)
            # For the index builds and the rollup's GROUP BY at the end: sorting and hashing in
            # memory instead of on disk (settings of this transaction only).
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        return rebuild

    def _run(self, statements) -> None:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _step(self, label: str, work) -> None:
        started = time.monotonic()
        work()
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f} s")

    # --- small tables ------------------------------------------------------------------

    def _people_and_units(self, counts) -> None:
        self.departments = Department.objects.bulk_create(
            Department(
                name=f"规模测试市直部门{i:02d}", short_name=f"测试局{i:02d}", kind=Department.Kind.CITY_DEPARTMENT
            )
            for i in range(1, counts["departments"] + 1)
        )
        self.enterprises = Department.objects.bulk_create(
            Department(name=f"规模测试企业{i:03d}有限公司", kind=Department.Kind.ENTERPRISE)
            for i in range(1, max(counts["projects"] // 10, 1) + 1)
        )
        from django.contrib.auth.models import Group

        inspector_role, _ = Group.objects.get_or_create(name=Role.INSPECTOR.value)
        liaison_role, _ = Group.objects.get_or_create(name=Role.LIAISON.value)
        self.inspectors = []
        for i in range(1, counts["groups"] * 2 + 1):
            user = User.objects.create(username=f"scale_inspector{i:03d}", full_name=f"测试督导{i}")
            user.groups.add(inspector_role)
            self.inspectors.append(user)
        self.liaison = User.objects.create(
            username="scale_liaison", full_name="测试联络员", department=self.departments[0]
        )
        self.liaison.groups.add(liaison_role)

    def _projects(self, counts) -> None:
        rng = self.rng
        self.projects = Project.objects.bulk_create(
            Project(
                name=f"规模测试项目{i:04d}",
                short_name=f"测试项目{i:04d}",
                county="昭阳区",
                enterprise=rng.choice(self.enterprises),
                investment=Decimal(rng.randint(1, 2000)) / 10,
            )
            for i in range(1, counts["projects"] + 1)
        )
        self.groups = SupervisionGroup.objects.bulk_create(
            SupervisionGroup(name=f"规模测试督导组{i:02d}") for i in range(1, counts["groups"] + 1)
        )
        links = SupervisionGroup.projects.through
        links.objects.bulk_create(
            links(supervisiongroup_id=self.groups[i % len(self.groups)].pk, project_id=project.pk)
            for i, project in enumerate(self.projects)
        )
        GroupMembership.objects.bulk_create(
            GroupMembership(
                group=self.groups[i // 2],
                user=user,
                role=GroupMembership.Role.LEAD if i % 2 == 0 else GroupMembership.Role.MEMBER,
            )
            for i, user in enumerate(self.inspectors)
        )
        kinds = [
            ProcedureKind.LAND_APPROVAL,
            ProcedureKind.ENVIRONMENTAL,
            ProcedureKind.FOREST_LAND,
            ProcedureKind.ENERGY_REVIEW,
            ProcedureKind.CONSTRUCTION_START,
        ]
        stages = []
        for project in self.projects:
            for position, kind in enumerate(kinds):
                roll = rng.random()
                status = (
                    ProcedureStatus.DONE
                    if roll < 0.5
                    else ProcedureStatus.IN_PROGRESS
                    if roll < 0.8
                    else ProcedureStatus.BLOCKED
                    if roll < 0.88
                    else ProcedureStatus.NOT_STARTED
                )
                blocked_since = self.today - dt.timedelta(days=rng.randint(1, 240)) if status == "blocked" else None
                stages.append(
                    ProcedureStage(
                        project=project,
                        kind=kind,
                        status=status,
                        position=position,
                        blocked_since=blocked_since,
                        blockage_note="手续办理卡在审批环节" if blocked_since else "",
                    )
                )
        ProcedureStage.objects.bulk_create(stages, batch_size=BATCH)

    # --- issues ------------------------------------------------------------------------

    def _issue_row(self, number: int) -> dict:
        rng, now = self.rng, self.now
        # Slightly more recent issues than old ones, like a campaign picking up speed.
        age = self.span_days * (1 - rng.random() ** 0.8)
        handed = now - dt.timedelta(days=age, seconds=rng.randint(0, 86_399))
        handed_day = timezone.localtime(handed).date()
        sign_deadline = handed_day + dt.timedelta(days=rng.randint(2, 4))
        deadline = handed_day + dt.timedelta(days=rng.randint(20, 45))
        row = {
            "code": f"{PREFIX}{number:07d}",
            "title": f"规模测试问题{number}",
            "description": "企业反映审批环节推进缓慢。",
            "category": rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
            "severity": IssueSeverity.GENERAL.value,
            "project_id": rng.choice(self.projects).pk,
            "lead_department_id": rng.choice(self.departments).pk,
            "handed_off_by_id": rng.choice(self.inspectors).pk,
            "handed_off_at": handed,
            "sign_deadline": sign_deadline,
            "rectification_deadline": deadline,
            "status": IssueStatus.HANDED_OFF.value,
            "signed_at": None,
            "submitted_at": None,
            "closed_at": None,
            "withdrawn_at": None,
            "return_count": 0,
            "progress_percent": 0,
            "version": 1,
            "created_at": handed,
            "updated_at": handed,
            "source_visit_id": None,
            "source_finding_id": None,
        }

        def later(start: dt.datetime, low: float, high: float) -> dt.datetime | None:
            moment = start + dt.timedelta(days=rng.uniform(low, high))
            return moment if moment < now else None

        if rng.random() < 0.02:
            row.update(status=IssueStatus.WITHDRAWN.value, withdrawn_at=later(handed, 0.5, 10) or now)
            return row
        signed = later(handed, 0.1, 3)
        if signed is None:
            return row
        row.update(status=IssueStatus.IN_PROGRESS.value, signed_at=signed, progress_percent=rng.randint(0, 90))
        roll = rng.random()
        row["return_count"] = 2 if roll < 0.05 else 1 if roll < 0.18 else 0
        # 70 % finish within the deadline, the rest up to seven weeks late.
        planned = (deadline - handed_day).days
        submitted = later(handed, 3, planned) if rng.random() < 0.7 else later(handed, planned, planned + 50)
        if submitted is None:
            if row["return_count"]:
                row["return_count"] = 1 if age > 20 else 0
            return row
        closed = later(submitted, 0.2, 6)
        if closed is None:
            row.update(status=IssueStatus.SUBMITTED.value, submitted_at=submitted)
        else:
            row.update(
                status=IssueStatus.CLOSED.value,
                submitted_at=submitted,
                closed_at=closed,
                progress_percent=100,
                updated_at=closed,
            )
        return row

    def _issues(self, total: int) -> None:
        rows = (self._issue_row(number) for number in range(1, total + 1))
        self._load(Issue, rows)
        self.issues = list(
            Issue.objects.filter(code__startswith=PREFIX)
            .order_by("pk")
            .values_list("pk", "handed_off_at", "closed_at", "lead_department_id")
        )
        links = Issue.assisting_departments.through
        rng = self.rng
        assisting = (
            {"issue_id": pk, "department_id": other.pk}
            for pk, _h, _c, lead in self.issues
            if rng.random() < 0.3
            for other in [rng.choice(self.departments)]
            if other.pk != lead
        )
        self._load(links, assisting)

    def _updates(self, total: int) -> None:
        now = self.now
        per_issue = total / len(self.issues)
        author = self.liaison.pk
        if self.pg:
            self._updates_sql(per_issue)
            return

        def rows():
            made = 0
            for index, (pk, handed, closed, lead) in enumerate(self.issues):
                # Spread exactly `total` rows: each issue gets its share, the remainder goes to the first ones.
                due = round(per_issue * (index + 1)) - made
                end = closed or now
                span = max((end - handed).total_seconds(), 60)
                for step in range(due):
                    made += 1
                    yield {
                        "issue_id": pk,
                        "author_id": author,
                        "department_id": lead,
                        "text": PROGRESS_TEXTS[step % len(PROGRESS_TEXTS)],
                        "percent": min(100, 20 * (step + 1)),
                        "created_at": handed + dt.timedelta(seconds=span * (step + 1) / (due + 1)),
                    }

        self._load(ProgressUpdate, rows())

    def _updates_sql(self, per_issue: float) -> None:
        """The same rows as `rows()` below, written by PostgreSQL itself: at 10 × S that is 10
        million rows Python would otherwise format and send one by one (most of the build's time
        on a busy machine). Issue n (in pk order) gets round(p·n) − round(p·(n−1)) updates, spread
        evenly between its hand-off and its closure (or now)."""
        texts = "ARRAY[" + ", ".join(["%s"] * len(PROGRESS_TEXTS)) + "]::text[]"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {ProgressUpdate._meta.db_table} (issue_id, author_id, department_id, text, percent, created_at)
                SELECT i.id, %s, i.lead_department_id, ({texts})[s %% {len(PROGRESS_TEXTS)} + 1], LEAST(100, 20 * (s + 1)),
                       i.handed_off_at + make_interval(secs => GREATEST(
                           EXTRACT(EPOCH FROM COALESCE(i.closed_at, %s) - i.handed_off_at), 60) * (s + 1) / (i.due + 1))
                FROM (
                    SELECT id, lead_department_id, handed_off_at, closed_at,
                           (ROUND(%s::numeric * ROW_NUMBER() OVER w) - ROUND(%s::numeric * (ROW_NUMBER() OVER w - 1)))::int
                               AS due
                    FROM {Issue._meta.db_table} WHERE code LIKE %s WINDOW w AS (ORDER BY id)
                ) i
                CROSS JOIN LATERAL generate_series(0, i.due - 1) AS s
                """,
                [self.liaison.pk, *PROGRESS_TEXTS, self.now, per_issue, per_issue, f"{PREFIX}%"],
            )

    def _the_rest(self, counts) -> None:
        rng = self.rng
        inspector = self.inspectors[0]
        visits = []
        for _ in range(counts["visits"]):
            forum, documents = rng.random() < 0.5, rng.random() < 0.4
            visits.append(
                SiteVisit(
                    project=rng.choice(self.projects),
                    visited_on=self.today - dt.timedelta(days=rng.randint(0, self.span_days)),
                    place="项目现场",
                    method_forum=forum,
                    method_documents=documents,
                    method_onsite=rng.random() < 0.6 or not (forum or documents),
                    is_recheck=rng.random() < 0.15,
                    summary="督导检查。",
                    created_by=inspector,
                )
            )
        SiteVisit.objects.bulk_create(visits, batch_size=BATCH)
        # 问题线索 (clues.Clue): a case filed the day it was received, its people concerned, the
        # concluded ones decided (some sanctioned) and a quarter of those publicly exposed.
        sample = rng.sample(self.issues, min(counts["cases"], len(self.issues)))
        project_of = dict(Issue.objects.filter(pk__in=[row[0] for row in sample]).values_list("pk", "project_id"))
        clues, people = [], []
        for pk, handed, _closed, _lead in sample:
            opened = min(timezone.localtime(handed).date() + dt.timedelta(days=rng.randint(5, 60)), self.today)
            involved = rng.randint(1, 3)
            concluded = opened + dt.timedelta(days=rng.randint(20, 120))
            concluded = concluded if concluded <= self.today else None
            notified = concluded is not None and rng.random() < 0.25
            sanctioned = rng.randint(0, involved) if concluded else 0
            clues.append(
                Clue(
                    project_id=project_of[pk],
                    source=ClueSource.ISSUE,
                    issue_id=pk,
                    title="问题线索",
                    description="问题线索。",
                    status=ClueStatus.CONCLUDED if concluded else ClueStatus.CASE,
                    received_on=opened,
                    disposed_on=opened,
                    filed_on=opened,
                    concluded_on=concluded,
                    exposed_on=concluded if notified else None,
                    created_by=inspector,
                )
            )
            people.append(
                [
                    ClueSubject(
                        name=f"涉及人员{n + 1}",
                        position=n,
                        supervision_form=("2" if n < sanctioned else "1") if concluded else "",
                        party_sanction="warning" if n < sanctioned else "",
                        decided_on=concluded,
                        exposed=notified,
                    )
                    for n in range(involved)
                ]
            )
        Clue.objects.bulk_create(clues, batch_size=BATCH)
        for clue, subjects in zip(clues, people, strict=True):
            for subject in subjects:
                subject.clue = clue
        ClueSubject.objects.bulk_create([s for subjects in people for s in subjects], batch_size=BATCH)
        meetings = []
        month = self.today.replace(day=1)
        for _ in range(self.months):
            for group in self.groups:
                meetings.append(
                    DispatchMeeting(
                        group=group,
                        month=month,
                        title=f"{group.name}{month:%Y年%m月}调度会",
                        starts_at=timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=24), dt.time(15))),
                        place="市纪委监委会议室",
                        status=DispatchMeeting.Status.HELD,
                    )
                )
            month = (month - dt.timedelta(days=1)).replace(day=1)
        meetings = DispatchMeeting.objects.bulk_create(meetings, batch_size=BATCH)
        Decision.objects.bulk_create(
            (
                Decision(
                    meeting=meeting,
                    text=f"议定事项{n}",
                    created_by=inspector,
                    responsible_department=rng.choice(self.departments),
                )
                for meeting in meetings
                for n in range(1, 4)
            ),
            batch_size=BATCH,
        )

    # --- loading -----------------------------------------------------------------------

    def _load(self, model, rows) -> None:
        attnames = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        defaults = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key and f.has_default()
        }
        if self.pg:
            rows = iter(rows)
            first = next(rows, None)
            if first is None:
                return
            # Every row of a generator has the keys of its first: the given columns are picked in
            # C (itemgetter) and the others sent as one tuple of constants.
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            given = [f for f in fields if f.attname in first]
            missing = [f for f in fields if f.attname not in first]
            constants = tuple(defaults.get(f.attname) for f in missing)
            pick = itemgetter(*(f.attname for f in given))
            names = ", ".join(f.column for f in given + missing)
            sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                write = copy.write_row
                write(pick(first) + constants)
                for row in rows:
                    write(pick(row) + constants)
            return
        batch = []
        for row in rows:
            batch.append(model(**{name: row.get(name, defaults.get(name)) for name in attnames}))
            if len(batch) == BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
