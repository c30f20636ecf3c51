"""Loads the Zhaotong scenario of shared/seed/article-clean.txt as demo data.

Idempotent: every row is found by its natural key first, so a second run changes nothing.
Dates are relative to the day of the first run so the demo shows live lights (green/yellow/red).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Department, User
from accounts.roles import Role
from accounts.selectors import active_liaisons
from clues.services import clue_register
from core.i18n import system_language
from core.workdays import add_working_days
from desk.management.commands._demo_clues import load_demo_clues
from dispatch.models import Decision, DispatchMeeting, MeetingRule
from dispatch.services import agenda_snapshot
from inspections.models import Finding, SiteVisit
from issues import services
from issues.models import (
    EvidenceFile,
    ExtensionRequest,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    ProgressUpdate,
)
from notifications.models import Notification, NotificationKind
from projects.models import (
    Authorization,
    FactorGuarantee,
    GroupMembership,
    GroupPartnerUnit,
    ProcedureStage,
    Project,
    SupervisionGroup,
)
from projects.selectors import group_leads_of_project
from talks.models import Talk, TalkKind
from talks.ranking import ranking_snapshot_for
from talks.services import CommitmentInput, talk_record

DEMO_PASSWORD = "pass-Dudao-2026"

DEPARTMENTS = [
    # name, short name, kind
    ("昭通市纪委监委", "市纪委监委", Department.Kind.COMMISSION),
    ("市纪委监委驻市自然资源和规划局纪检监察组", "驻市自然资源局纪检监察组", Department.Kind.DISPATCHED_GROUP),
    ("昭阳区纪委监委", "昭阳区纪委监委", Department.Kind.COUNTY_COMMISSION),
    ("彝良县纪委监委", "彝良县纪委监委", Department.Kind.COUNTY_COMMISSION),
    ("昭通市自然资源和规划局", "市自然资源局", Department.Kind.CITY_DEPARTMENT),
    ("昭通市生态环境局", "市生态环境局", Department.Kind.CITY_DEPARTMENT),
    ("昭通市林业和草原局", "市林草局", Department.Kind.CITY_DEPARTMENT),
    ("昭通市发展和改革委员会", "市发展改革委", Department.Kind.CITY_DEPARTMENT),
    ("昭通市工业和信息化局", "市工业和信息化局", Department.Kind.CITY_DEPARTMENT),
    ("昭通市水务局", "市水务局", Department.Kind.CITY_DEPARTMENT),
    ("昭通市能源局", "市能源局", Department.Kind.CITY_DEPARTMENT),
    ("昭阳区人民政府", "昭阳区政府", Department.Kind.COUNTY_GOVERNMENT),
    ("彝良县人民政府", "彝良县政府", Department.Kind.COUNTY_GOVERNMENT),
    ("某集团昭通水电硅有限公司", "水电硅项目公司", Department.Kind.ENTERPRISE),
    ("昭通旗滨光伏玻璃有限公司", "旗滨光伏玻璃公司", Department.Kind.ENTERPRISE),
]

USERS = [
    # username, full name, title, roles, department short name
    ("leader", "陈明远", "市纪委监委主要负责人", [Role.LEADER], "市纪委监委"),
    ("lead_li", "李卫东", "专项督导组组长", [Role.INSPECTOR], "市纪委监委"),
    ("inspector_zhang", "张晓燕", "专项督导组成员", [Role.INSPECTOR], "市纪委监委"),
    ("inspector_wang", "王建华", "专项督导组成员", [Role.INSPECTOR], "市纪委监委"),
    ("special_zhao", "赵志刚", "特派纪检监察员", [Role.INSPECTOR], "驻市自然资源局纪检监察组"),
    ("liaison_zrzy", "刘海涛", "市自然资源局联络员", [Role.LIAISON], "市自然资源局"),
    ("liaison_lc", "周丽", "市林草局联络员", [Role.LIAISON], "市林草局"),
    ("liaison_sthj", "吴刚", "市生态环境局联络员", [Role.LIAISON], "市生态环境局"),
    ("liaison_yl", "杨春梅", "彝良县政府联络员", [Role.LIAISON], "彝良县政府"),
    ("liaison_zy", "孙磊", "昭阳区政府联络员", [Role.LIAISON], "昭阳区政府"),
    ("liaison_sw", "郑敏", "市水务局联络员", [Role.LIAISON], "市水务局"),
]


def _sentence(text: str) -> str:
    """A finding or title as a sentence: one full stop at its end."""
    return text.rstrip("。；;，,. ") + "。"


class Command(BaseCommand):
    help = "加载昭通重大项目专项督导演示数据（可重复执行，不会重复创建）。"

    def handle(self, *args, **options):
        if not settings.DUDAO_DEMO_DATA_ALLOWED:
            raise CommandError(
                gettext(
                    "拒绝加载演示数据：当前设置未声明这是演示或开发数据库。演示数据会创建使用公开密码的账号"
                    "（包括 admin）。确属演示环境时，请设置环境变量 DUDAO_DEMO_DATA_ALLOWED=true 后重试。"
                )
            )
        with transaction.atomic():
            created = self._load()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（本次新建 {created} 条问题）。"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, title, _roles, _dept in USERS:
            self.stdout.write(f"  {username:<16} {name}  {title}")
        self.stdout.write(f"  {'admin':<16} 系统管理员（/admin/）")

    # ------------------------------------------------------------------------------------
    def _load(self) -> int:
        self.today = timezone.localdate()
        self.departments = {}
        for name, short, kind in DEPARTMENTS:
            dept, _ = Department.objects.get_or_create(name=name, defaults={"short_name": short, "kind": kind})
            self.departments[short] = dept
        self.users = {}
        for username, full_name, title, roles, dept_short in USERS:
            self.users[username] = self._user(username, full_name, title, roles, self.departments[dept_short])
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser(
                "admin", "admin@zt.example.gov.cn", DEMO_PASSWORD, full_name="系统管理员"
            )
        self.users["admin"] = admin

        silicon, glass = self._projects()
        self.projects = [silicon, glass]
        group = self._group(silicon, glass)
        self._authorization(silicon)
        visits = self._visits(silicon, glass)
        created = self._issues(silicon, glass, visits)
        self._meeting(group)
        self._clues()
        self._talks(group)
        return created

    def _user(self, username, full_name, title, roles, department) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                title=title,
                department=department,
                email=f"{username}@zt.example.gov.cn",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            for role in roles:
                user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        return user

    def _projects(self) -> tuple[Project, Project]:
        d = self.departments
        silicon, _ = Project.objects.get_or_create(
            name="水电硅循环经济一体化项目",
            defaults=dict(
                short_name="水电硅项目",
                county="昭阳区、彝良县",
                enterprise=d["水电硅项目公司"],
                investment=Decimal("205.40"),
                expected_annual_output=Decimal("300.00"),
                expected_jobs=12000,
                land_area_mu=Decimal("1918.00"),
                stage=Project.Stage.CONSTRUCTION,
                description="昭通市引进的重点工业项目，建成后每年工业总产值可达300亿元，可为1.2万人带去就业岗位，"
                "对昭通经济发展起到“造血”“生肌”“壮骨”作用。剩余的1918亩土地已通过审查，彝良县矿权转让取得实质性进展。",
            ),
        )
        glass, _ = Project.objects.get_or_create(
            name="旗滨光伏玻璃项目",
            defaults=dict(
                short_name="旗滨光伏玻璃",
                county="昭阳区",
                enterprise=d["旗滨光伏玻璃公司"],
                investment=Decimal("110.00"),
                stage=Project.Stage.PREPARATION,
                description="投资110亿元的光伏玻璃项目，手续办理基本完成，已准备进场动工。",
            ),
        )
        t = self.today
        stages = {
            silicon: [
                (
                    "land_approval",
                    "剩余1918亩土地用地报批",
                    "done",
                    t - dt.timedelta(days=170),
                    t - dt.timedelta(days=20),
                    None,
                    "",
                ),
                (
                    "environmental",
                    "项目环境影响评价",
                    "done",
                    t - dt.timedelta(days=160),
                    t - dt.timedelta(days=60),
                    None,
                    "",
                ),
                (
                    "forest_land",
                    "使用林地审核",
                    "blocked",
                    t - dt.timedelta(days=120),
                    None,
                    t - dt.timedelta(days=38),
                    "林地审核需省级批复，补充材料往返多次，未一次性告知。",
                ),
                (
                    "mining_right",
                    "彝良县矿权转让",
                    "in_progress",
                    t - dt.timedelta(days=150),
                    None,
                    None,
                    "矿权转让取得实质性进展，正在办理出让合同。",
                ),
                ("construction_start", "二期进场动工", "not_started", None, None, None, ""),
            ],
            glass: [
                (
                    "land_approval",
                    "项目用地报批",
                    "done",
                    t - dt.timedelta(days=140),
                    t - dt.timedelta(days=70),
                    None,
                    "",
                ),
                (
                    "environmental",
                    "项目环境影响评价",
                    "done",
                    t - dt.timedelta(days=130),
                    t - dt.timedelta(days=45),
                    None,
                    "",
                ),
                ("energy_review", "节能审查", "done", t - dt.timedelta(days=120), t - dt.timedelta(days=30), None, ""),
                ("construction_permit", "施工许可", "in_progress", t - dt.timedelta(days=25), None, None, ""),
                ("construction_start", "进场动工", "not_started", None, None, None, "已准备进场动工。"),
            ],
        }
        for project, rows in stages.items():
            for position, (kind, name, status, started, finished, blocked, note) in enumerate(rows):
                ProcedureStage.objects.get_or_create(
                    project=project,
                    kind=kind,
                    name=name,
                    defaults=dict(
                        status=status,
                        started_on=started,
                        finished_on=finished,
                        blocked_since=blocked,
                        blockage_note=note,
                        position=position,
                    ),
                )
        factors = {
            silicon: [
                ("water", "guaranteed", "取水工程已通水"),
                ("electricity", "at_risk", "220千伏专线接入方案待电网公司批复"),
                ("road", "in_progress", "进场道路改扩建推进中"),
                ("gas", "in_progress", "天然气支线管网已立项"),
            ],
            glass: [
                ("water", "guaranteed", ""),
                ("electricity", "in_progress", "施工用电已接入"),
                ("road", "guaranteed", ""),
                ("gas", "at_risk", "天然气用气指标待落实"),
            ],
        }
        for project, rows in factors.items():
            for factor, status, note in rows:
                FactorGuarantee.objects.get_or_create(
                    project=project, factor=factor, defaults=dict(status=status, note=note)
                )
        return silicon, glass

    def _group(self, silicon, glass) -> SupervisionGroup:
        group, _ = SupervisionGroup.objects.get_or_create(
            name="重大投资项目专项督导组",
            defaults=dict(
                description="市纪委监委抽调3名干部组成专项督导专班，与相关派驻纪检监察组和县级纪委监委实行“1+2”捆绑式监督，"
                "运用“一线工作法”和“项目工作法”开展“面对面”“保姆式”贴身监督服务。",
                formed_on=dt.date(self.today.year, 7, 1)
                if self.today.month >= 7
                else dt.date(self.today.year - 1, 7, 1),
            ),
        )
        group.projects.add(silicon, glass)
        for username, role in (("lead_li", "lead"), ("inspector_zhang", "member"), ("inspector_wang", "member")):
            GroupMembership.objects.get_or_create(group=group, user=self.users[username], defaults={"role": role})
        for short, note in (
            ("驻市自然资源局纪检监察组", "派驻监督：用地、林地、矿权审批"),
            ("昭阳区纪委监委", "属地监督：昭阳区要素保障"),
            ("彝良县纪委监委", "属地监督：彝良县矿权转让"),
        ):
            GroupPartnerUnit.objects.get_or_create(
                group=group, department=self.departments[short], defaults={"note": note}
            )
        MeetingRule.objects.get_or_create(
            group=group,
            defaults=dict(
                kind=MeetingRule.Kind.DAY_OF_MONTH, day_of_month=25, time=dt.time(15, 0), place="市纪委监委三楼会议室"
            ),
        )
        return group

    def _authorization(self, silicon) -> None:
        Authorization.objects.get_or_create(
            number="昭纪特授〔2026〕1号",
            defaults=dict(
                inspector=self.users["special_zhao"],
                project=silicon,
                valid_from=self.today - dt.timedelta(days=200),
                valid_to=self.today + dt.timedelta(days=165),
                scope_note="依据《昭通市特派纪检监察员管理办法》，对水电硅项目实行“一项目一授权”监督。",
            ),
        )

    def _visits(self, silicon, glass) -> dict[str, SiteVisit]:
        t = self.today
        rows = [
            (
                "forum",
                silicon,
                t - dt.timedelta(days=62),
                "昭阳区人民政府会议室",
                (True, False, False),
                "区发改、自然资源、供电、水务等部门",
                "今天的专题会，主要听一下昭阳区对水、电、路、气等要素保障的推进情况。",
                [
                    ("demand", "220千伏专线尽快接入，保障二期试生产用电。"),
                    ("blockage", "林地审核补充材料往返多次，未一次性告知。"),
                    ("expectation", "希望各部门“一站式”联合审查，缩短办理时限。"),
                ],
            ),
            (
                "documents",
                silicon,
                t - dt.timedelta(days=48),
                "市自然资源和规划局",
                (False, True, False),
                "市自然资源局分管负责人、用地科",
                "用地报批手续推进到什么环节了，目前的堵点在哪里，你们是如何破解的？查阅用地报批台账及往来文件。",
                [
                    ("difficulty", "剩余1918亩土地报批涉及基本农田调整，需省级审查。"),
                    ("blockage", "报批材料在科室间流转无时限要求。"),
                ],
            ),
            (
                "onsite",
                silicon,
                t - dt.timedelta(days=30),
                "彝良县矿区",
                (False, False, True),
                "彝良县政府、县自然资源局、企业负责人",
                "实地察看矿区及矿权转让推进情况，矿权转让取得实质性进展。",
                [
                    ("difficulty", "矿权转让出让收益评估结果尚未公示。"),
                    ("demand", "矿区进场道路需要县里协调施工。"),
                ],
            ),
            (
                "glass",
                glass,
                t - dt.timedelta(days=20),
                "旗滨光伏玻璃项目现场",
                (True, True, True),
                "企业负责人、昭阳区政府、市生态环境局",
                "座谈交流、查阅文件并实地察看，项目手续办理基本完成，已准备进场动工。",
                [
                    ("expectation", "希望尽快落实天然气用气指标。"),
                    ("demand", "施工许可办理希望容缺受理。"),
                ],
            ),
        ]
        inspectors = [self.users["lead_li"], self.users["inspector_zhang"], self.users["inspector_wang"]]
        visits = {}
        for key, project, day, place, (forum, documents, onsite), participants, summary, findings in rows:
            visit, created = SiteVisit.objects.get_or_create(
                project=project,
                visited_on=day,
                place=place,
                defaults=dict(
                    method_forum=forum,
                    method_documents=documents,
                    method_onsite=onsite,
                    participants=participants,
                    summary=summary,
                    created_by=self.users["inspector_zhang"],
                ),
            )
            if created:
                visit.inspectors.set(inspectors)
                for position, (kind, text) in enumerate(findings):
                    Finding.objects.create(visit=visit, kind=kind, text=text, position=position)
            visits[key] = visit
        return visits

    def _issues(self, silicon, glass, visits) -> int:
        d, u = self.departments, self.users
        specs = [
            # key, project, visit, finding kind, title, category, severity, lead, assisting, handed days ago,
            # sign working days, rectification working days, path to walk
            (
                "forest",
                silicon,
                "forum",
                "blockage",
                "林地审核补充材料未一次性告知",
                IssueCategory.WORK_STYLE,
                IssueSeverity.SERIOUS,
                "市林草局",
                ["市自然资源局"],
                45,
                2,
                20,
                ["sign", "progress"],
            ),
            (
                "power",
                silicon,
                "forum",
                "demand",
                "220千伏专线接入推进缓慢",
                IssueCategory.FACTOR_GUARANTEE,
                IssueSeverity.SERIOUS,
                "市能源局",
                ["昭阳区政府"],
                40,
                2,
                15,
                ["sign"],
            ),
            (
                "land",
                silicon,
                "documents",
                "blockage",
                "用地报批材料科室流转无时限",
                IssueCategory.BUSINESS_ENVIRONMENT,
                IssueSeverity.GENERAL,
                "市自然资源局",
                [],
                44,
                2,
                20,
                ["sign", "progress", "submit", "return", "progress", "submit", "propose", "confirm"],
            ),
            (
                "mining",
                silicon,
                "onsite",
                "difficulty",
                "矿权出让收益评估结果未及时公示",
                IssueCategory.APPROVAL,
                IssueSeverity.GENERAL,
                "彝良县政府",
                ["市自然资源局"],
                25,
                2,
                20,
                ["sign", "progress", "submit", "propose"],
            ),
            (
                "road",
                silicon,
                "onsite",
                "demand",
                "矿区进场道路施工协调不力",
                IssueCategory.FACTOR_GUARANTEE,
                IssueSeverity.GENERAL,
                "彝良县政府",
                [],
                22,
                2,
                25,
                ["sign", "progress", "extension"],
            ),
            (
                "gas",
                glass,
                "glass",
                "expectation",
                "天然气用气指标未落实",
                IssueCategory.FACTOR_GUARANTEE,
                IssueSeverity.GENERAL,
                "市发展改革委",
                [],
                12,
                2,
                10,
                ["sign", "progress", "submit", "return"],
            ),
            (
                "permit",
                glass,
                "glass",
                "demand",
                "施工许可容缺受理未落实",
                IssueCategory.BUSINESS_ENVIRONMENT,
                IssueSeverity.GENERAL,
                "昭阳区政府",
                ["市生态环境局"],
                6,
                2,
                20,
                [],
            ),
            (
                "window",
                glass,
                None,
                None,
                "环评窗口服务态度生硬",
                IssueCategory.WORK_STYLE,
                IssueSeverity.GENERAL,
                "市生态环境局",
                [],
                3,
                2,
                15,
                [],
            ),
            (
                "dup",
                silicon,
                None,
                None,
                "重复交办：用地报批进度滞后",
                IssueCategory.APPROVAL,
                IssueSeverity.GENERAL,
                "市自然资源局",
                [],
                40,
                2,
                20,
                ["withdraw"],
            ),
            (
                "water",
                silicon,
                None,
                None,
                "取水工程验收资料整理滞后",
                IssueCategory.FACTOR_GUARANTEE,
                IssueSeverity.GENERAL,
                "市水务局",
                [],
                15,
                2,
                12,
                ["sign", "progress", "submit"],
            ),
        ]
        created = 0
        for (
            key,
            project,
            visit_key,
            finding_kind,
            title,
            category,
            severity,
            lead,
            assisting,
            days_ago,
            sign_days,
            rect_days,
            path,
        ) in specs:
            if Issue.objects.filter(project=project, title=title).exists():
                continue
            visit = visits.get(visit_key) if visit_key else None
            finding = visit.findings.filter(kind=finding_kind, issue__isnull=True).first() if visit else None
            inspector = u["inspector_zhang"] if key not in ("gas", "permit", "window") else u["inspector_wang"]
            issue = services.issue_hand_off(
                actor=inspector,
                project=project,
                title=title,
                description=_sentence(finding.text if finding else title) + "请责任单位限期整改，并报送整改佐证材料。",
                category=category,
                severity=severity,
                lead_department=d[lead],
                assisting_departments=[d[name] for name in assisting],
                source_visit=visit,
                source_finding=finding,
            )
            self._walk(issue, path)
            self._backdate(issue, days_ago=days_ago, sign_days=sign_days, rect_days=rect_days)
            created += 1
        return created

    def _liaison_of(self, issue: Issue) -> User:
        return active_liaisons().filter(department=issue.lead_department).order_by("pk").first()

    def _walk(self, issue: Issue, path: list[str]) -> None:
        liaison = self._liaison_of(issue)
        if liaison is None and any(step in ("sign", "progress", "submit", "extension") for step in path):
            liaison = self._user(
                f"liaison_{issue.lead_department_id}",
                f"{issue.lead_department}联络员",
                "联络员",
                [Role.LIAISON],
                issue.lead_department,
            )
        inspector = issue.handed_off_by
        percent = 30
        for step in path:
            issue.refresh_from_db()
            match step:
                case "sign":
                    services.issue_sign(issue=issue, actor=liaison, note="已签收，明确专人负责。")
                case "progress":
                    services.issue_progress_add(
                        issue=issue, actor=liaison, percent=percent, text=f"已制定整改方案，完成进度约{percent}%。"
                    )
                    percent += 40
                case "submit":
                    services.issue_submit(issue=issue, actor=liaison, note="整改已完成，佐证材料已上传。")
                case "return":
                    services.issue_return(
                        issue=issue, actor=inspector, reason="回头看发现整改不到位，佐证材料不充分，退回重办。"
                    )
                case "propose":
                    # The handing inspector verifies: every evidence file reviewed, then his 核验意见.
                    for evidence in EvidenceFile.objects.filter(update__issue=issue):
                        services.evidence_review(
                            issue=issue, actor=inspector, evidence_id=evidence.pk, verdict="accepted", note="已核对。"
                        )
                        issue.refresh_from_db()
                    services.issue_propose_close(
                        issue=issue, actor=inspector, note="经回头看核验，整改到位，佐证材料齐全，建议销号。"
                    )
                case "confirm":
                    # The group lead signs second: never the one who handed it off or proposed it.
                    lead = group_leads_of_project(project_id=issue.project_id).exclude(pk=inspector.pk).first()
                    services.issue_confirm_close(issue=issue, actor=lead, note="同意销号。")
                case "withdraw":
                    services.issue_withdraw(issue=issue, actor=inspector, reason="与已交办问题重复，予以撤销。")
                case "extension":
                    services.extension_request_create(
                        issue=issue,
                        actor=liaison,
                        requested_deadline=issue.rectification_deadline + dt.timedelta(days=14),
                        reason="道路施工需等待雨季结束，申请延期两周。",
                    )

    def _backdate(self, issue: Issue, *, days_ago: int, sign_days: int, rect_days: int) -> None:
        """Move the issue's life into the past so the demo shows real deadlines and lights."""
        handed_on = self.today - dt.timedelta(days=days_ago)
        sign_deadline = add_working_days(handed_on, sign_days)
        rect_deadline = add_working_days(handed_on, rect_days)
        start = timezone.make_aware(dt.datetime.combine(handed_on, dt.time(9, 30)))
        now = timezone.now()
        events = list(issue.events.order_by("id"))
        step = (now - start) / (len(events) + 1)
        times = [start + step * index for index in range(len(events))]
        # Departments sign for the day after the hand-off, within the sign-for deadline, as in the
        # story: the 通报's "签收不及时" must not be an artefact of spreading events evenly.
        for index, event in enumerate(events):
            if event.action == "sign":
                times[index] = min(times[index], start + dt.timedelta(days=1))
        for event, moment in zip(events, times, strict=True):
            IssueEvent.objects.filter(pk=event.pk).update(created_at=moment)
        when = {event.action: moment for event, moment in zip(events, times, strict=True)}
        issue.refresh_from_db()
        Issue.objects.filter(pk=issue.pk).update(
            handed_off_at=start,
            sign_deadline=sign_deadline,
            rectification_deadline=rect_deadline,
            signed_at=when.get("sign") if issue.signed_at else None,
            submitted_at=when.get("submit") if issue.submitted_at else None,
            closed_at=when.get("close") if issue.closed_at else None,
            close_proposed_at=when.get("propose_close") if issue.close_proposed_at else None,
            withdrawn_at=when.get("withdraw") if issue.withdrawn_at else None,
        )
        # Each progress report (a submission is the final one) dated with the event that wrote it.
        for index, event in enumerate(events):
            if event.data.get("update_id"):
                ProgressUpdate.objects.filter(pk=event.data["update_id"]).update(created_at=start + step * index)
        self._backdate_extensions(issue, rect_deadline=rect_deadline, events=events)

    def _backdate_extensions(self, issue: Issue, *, rect_deadline: dt.date, events: list[IssueEvent]) -> None:
        """The request, its history line and its notice tell one story: the moved deadline and the
        date asked for, not the dates of the moment the loader ran."""
        requested = rect_deadline + dt.timedelta(days=14)
        for extension in ExtensionRequest.objects.filter(issue=issue):
            old = f"{extension.requested_deadline:%Y-%m-%d}"
            ExtensionRequest.objects.filter(pk=extension.pk).update(
                current_deadline=rect_deadline, requested_deadline=requested
            )
            for event in events:
                if (
                    event.action == IssueEvent.Action.EXTENSION_REQUEST
                    and event.data.get("extension_id") == extension.pk
                ):
                    IssueEvent.objects.filter(pk=event.pk).update(
                        data={**event.data, "requested_deadline": requested.isoformat()}
                    )
            for notice in Notification.objects.filter(
                kind=NotificationKind.EXTENSION_REQUESTED, target_type="issue", target_id=issue.pk
            ):
                Notification.objects.filter(pk=notice.pk).update(
                    title=notice.title.replace(old, f"{requested:%Y-%m-%d}")
                )

    def _meeting(self, group: SupervisionGroup) -> None:
        """Last month's 调度会, held: planned a week before with the agenda the planner would have
        frozen that day (dispatch.services.agenda_snapshot), everyone invited present."""
        first_of_month = self.today.replace(day=1)
        last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
        starts_at = timezone.make_aware(dt.datetime.combine(last_month.replace(day=25), dt.time(15, 0)))
        planned_on = starts_at.date() - dt.timedelta(days=7)
        with system_language():  # stored with its labels, as the planner stores it
            agenda = agenda_snapshot(group=group, today=planned_on, before_month=last_month, handed_off_by=True)
        meeting, created = DispatchMeeting.objects.get_or_create(
            group=group,
            month=last_month,
            defaults=dict(
                title=f"{last_month:%Y年%m月}重大项目专项督导调度会".replace("年0", "年"),
                starts_at=starts_at,
                place="市纪委监委三楼会议室",
                status=DispatchMeeting.Status.HELD,
                held_at=starts_at + dt.timedelta(hours=2),
                agenda_snapshot=agenda,
                focus_next_month="紧盯林地审核、220千伏专线接入和矿权转让三个堵点，采取“回头看”与专题会相结合的方式督导。",
                minutes="会议听取了各责任单位整改进展汇报，分析了项目建设存在的困难，明确了下步监督方式和重点。",
            ),
        )
        if created:
            attendees = [
                self.users[name]
                for name in (
                    "leader",
                    "lead_li",
                    "inspector_zhang",
                    "inspector_wang",
                    "special_zhao",
                    "liaison_zrzy",
                    "liaison_lc",
                )
            ]
            meeting.attendees.set(attendees)
            meeting.present.set(attendees)
            meeting.attending_departments.set(
                [self.departments[name] for name in ("市自然资源局", "市林草局", "市能源局")]
            )
            forest = Issue.objects.filter(title="林地审核补充材料未一次性告知").first()
            Decision.objects.create(
                meeting=meeting,
                text="市林草局一次性告知林地审核所需全部材料，10个工作日内报送省级审查。",
                responsible_department=self.departments["市林草局"],
                created_by=self.users["lead_li"],
                due_on=add_working_days(last_month.replace(day=25), 10),
            )
            Decision.objects.create(
                meeting=meeting,
                text="将林地审核问题列为红灯事项，由督导组每周跟踪。",
                issue=forest,
                created_by=self.users["lead_li"],
            )

    def _clues(self) -> None:
        """The campaign's 问题线索 (see _demo_clues), and one clue an inspector has just entered from
        a reworked issue, still 待移送 (not yet counted as received)."""
        window = Issue.objects.filter(title="用地报批材料科室流转无时限").first()
        story_issues = [window] if window else []
        findings = list(Finding.objects.filter(visit__project__in=self.projects, kind="blockage").order_by("pk")[:2])
        created = load_demo_clues(
            today=self.today,
            projects=self.projects,
            departments=[d for d in self.departments.values() if d.rectifies],
            inspectors=[self.users[name] for name in ("lead_li", "inspector_zhang", "inspector_wang")],
            lead=self.users["lead_li"],
            leader=self.users["leader"],
            story_issues=story_issues,
            story_findings=findings,
        )
        reworked = Issue.objects.filter(return_count__gt=0).order_by("pk").first()
        if created and reworked is not None:
            clue_register(
                actor=self.users["inspector_zhang"],
                issue=reworked,
                title=f"{reworked.title}反复整改不到位问题",
                description="该问题经退回重办后仍未整改到位，反映责任单位有关人员敷衍整改，建议移送处置。",
                subjects=[{"name": "孙某某", "post": "科长", "department": reworked.lead_department}],
            )

    def _talks(self, group: SupervisionGroup) -> None:
        """This month's talks, through talks.services as a lead and a leader record them: the group
        lead's 约谈 with 市林草局 over the red forest-land issue (its first commitment already
        overdue, so it waits on his desk), and the leader's 提醒谈话 with 市自然资源局 over the
        land-approval window. Each carries the 红黑榜 place reports hands talks."""
        if Talk.objects.exists():
            return
        day = self.today - dt.timedelta(days=min(6, self.today.day - 1))  # within this month
        forest = Issue.objects.filter(title="林地审核补充材料未一次性告知").first()
        window = Issue.objects.filter(title="用地报批材料科室流转无时限").first()
        lead, leader = self.users["lead_li"], self.users["leader"]
        forestry, land = self.departments["市林草局"], self.departments["市自然资源局"]
        talk_record(
            actor=lead,
            kind=TalkKind.INTERVIEW,
            department=forestry,
            group=group,
            held_on=day,
            place="市纪委监委谈话室",
            interviewee_name="马志强",
            interviewee_post="分管副局长",
            led_by=lead,
            reason="林地审核补充材料往返多次、未一次性告知，整改逾期，影响水电硅项目用地报批。",
            agreed="指出该局在林地审核中存在推诿拖延、服务意识不强等作风问题，要求立即整改。"
            "马志强表态：一次性告知全部材料，专人跟踪省级审查。",
            issues=[forest] if forest else [],
            commitments=[
                CommitmentInput("一次性书面告知林地审核所需全部材料", 3),
                CommitmentInput("林地审核材料报送省级审查", 10),
            ],
            ranking=ranking_snapshot_for(department_id=forestry.pk, held_on=day),
        )
        talk_record(
            actor=leader,
            kind=TalkKind.REMINDER,
            department=land,
            group=None,
            held_on=day,
            place="市纪委监委",
            interviewee_name="何建国",
            interviewee_post="局长",
            led_by=leader,
            reason="用地报批材料在科室间流转无时限，企业反映“来回跑”。",
            agreed="要求建立科室流转时限和督办制度，举一反三整改审批窗口作风问题。",
            issues=[window] if window and window.lead_department_id == land.pk else [],
            commitments=[CommitmentInput("制定用地报批科室流转时限规定并公开", 15)],
            ranking=ranking_snapshot_for(department_id=land.pk, held_on=day),
        )
