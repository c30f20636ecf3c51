"""The demo's 问题线索: the story's campaign figures (shared/seed/article-clean.txt: "今年来……查处涉及
干部作风和营商环境问题512件591人，给予党纪政务处分341人，通报曝光典型问题129件…") as clue records,
so every page, the 通报 and the exports read them from clues as they would in production:

- 512 clues received (受理问题线索512件) since 1 January, 591 people concerned (涉及591人);
- 341 people given a 党纪处分 or 政务处分 (给予党纪政务处分341人), each with his form (四种形态);
- 129 typical problems publicly notified (通报曝光典型问题129起), naming their people.

The story's "295起493人" cannot be held honestly by clue records: 493 people named in notices of
129 (or 295) problems would leave fewer people than clues for the other problems, and every clue
handed over names at least one person. The notices here name the people of the 129 problems.

Deterministic (a fixed seed; dates relative to the day of the run) and idempotent (nothing is
added once the demo has clues). Rows are written in bulk with the event rows the services would
write, so the timelines read as if each step had been taken in the app.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from accounts.models import Department, User
from clues.models import (
    Clue,
    ClueEvent,
    ClueSource,
    ClueStatus,
    ClueSubject,
    GovernmentSanction,
    OrganizationalMeasure,
    PartySanction,
)
from inspections.models import Finding
from issues.models import Issue
from projects.models import Project

RECEIVED = 512
PEOPLE = 591
SANCTIONED = 341
EXPOSED = 129

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
POSTS = ("科长", "副科长", "科员", "股长", "副局长", "副主任", "办事员", "副乡长", "站长", "所长")
PROBLEMS = (
    "审批窗口推诿扯皮、多次退件未一次性告知",
    "用地报批材料流转超时限",
    "涉企检查随意、重复检查",
    "对企业诉求敷衍应付、不作为",
    "要素保障协调中慢作为",
    "违规收受管理服务对象礼品礼金",
    "落实惠企政策打折扣",
    "吃拿卡要、故意刁难办事群众",
    "整改销号弄虚作假",
    "环评审查中程序空转",
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "某" + ("某" if rng.random() < 0.7 else "")


def _sanction(rng: random.Random) -> dict:
    """A sanctioned person's outcome: form 2 mostly, 3 sometimes, 4 rarely; 党纪, 政务 or both."""
    roll = rng.random()
    party: str
    government: str
    if roll < 0.70:
        form = "2"
        party = rng.choice([PartySanction.WARNING, PartySanction.SERIOUS_WARNING])
        government = rng.choice([GovernmentSanction.WARNING, GovernmentSanction.DEMERIT])
        measure = ""
    elif roll < 0.92:
        form = "3"
        party = rng.choice([PartySanction.REMOVAL_FROM_POST, PartySanction.PROBATION])
        government = rng.choice([GovernmentSanction.DEMOTION, GovernmentSanction.DISMISSAL_FROM_POST])
        measure = rng.choice([OrganizationalMeasure.REMOVAL, OrganizationalMeasure.REASSIGNMENT, ""])
    else:
        form = "4"
        party, government, measure = PartySanction.EXPULSION, GovernmentSanction.EXPULSION, ""
    kinds = rng.random()
    if kinds < 0.45:
        government = ""
    elif kinds < 0.70:
        party = ""
    return {
        "supervision_form": form,
        "party_sanction": party,
        "government_sanction": government,
        "organizational_measure": measure,
    }


def load_demo_clues(
    *,
    today: dt.date,
    projects: Sequence[Project],
    departments: Sequence[Department],
    inspectors: Sequence[User],
    lead: User,
    leader: User,
    story_issues: Sequence[Issue] = (),
    story_findings: Sequence[Finding] = (),
) -> int:
    """Writes the demo's clues once; returns how many were created (0 on a second run)."""
    if Clue.objects.exists():
        return 0
    rng = random.Random(18)
    start = dt.date(today.year, 1, 1)
    if (today - start).days < 120:  # early in the year: the campaign's year so far is last year's tail
        start = today - dt.timedelta(days=330)
    span = (today - start).days
    received = sorted(start + dt.timedelta(days=rng.randrange(span)) for _ in range(RECEIVED))
    # 79 clues name two people, the others one: 591 people in all
    two = set(rng.sample(range(RECEIVED), PEOPLE - RECEIVED))
    sizes = [2 if i in two else 1 for i in range(RECEIVED)]

    # Who gets sanctioned: clues old enough for a case to be filed, decided and concluded (45 days).
    old = [i for i in range(RECEIVED) if (today - received[i]).days >= 45]
    rng.shuffle(old)
    plan: dict[int, str] = {}
    sanctioned_in: dict[int, int] = {}
    left = SANCTIONED
    for i in old:
        if left == 0:
            break
        plan[i] = "case"
        sanctioned_in[i] = min(sizes[i], left)
        left -= sanctioned_in[i]
    if left:
        raise RuntimeError("the demo's year is too short for its sanctions")
    for i in range(RECEIVED):
        if i in plan:
            continue
        age = (today - received[i]).days
        if age < 10:
            plan[i] = "handed_over"
        elif age < 30:
            plan[i] = rng.choice(["verifying", "verifying", "handed_over"])
        else:
            plan[i] = rng.choices(["closed", "talk", "shelved", "verifying"], weights=[4, 4, 1, 1])[0]
    cases = sorted(i for i, kind in plan.items() if kind == "case")
    exposed = set(rng.sample(cases, EXPOSED))

    actors = list(inspectors)
    clues: list[Clue] = []
    subject_rows: list[list[ClueSubject]] = []
    event_rows: list[list[ClueEvent]] = []
    for i in range(RECEIVED):
        day = received[i]
        kind = plan[i]
        source_issue = story_issues[i] if i < len(story_issues) else None
        source_finding = (
            story_findings[i - len(story_issues)]
            if source_issue is None and 0 <= i - len(story_issues) < len(story_findings)
            else None
        )
        project = projects[0] if source_issue is None and source_finding is None and i % 3 else projects[-1]
        if source_issue is not None:
            project = source_issue.project
        elif source_finding is not None:
            project = source_finding.visit.project
        problem = PROBLEMS[i % len(PROBLEMS)]
        department = departments[i % len(departments)]
        verify_on = min(day + dt.timedelta(days=rng.randint(2, 6)), today)
        dispose_on = min(verify_on + dt.timedelta(days=rng.randint(5, 15)), today)
        decided_on = min(dispose_on + dt.timedelta(days=rng.randint(10, 25)), today)
        exposed_on = min(decided_on + dt.timedelta(days=rng.randint(1, 5)), today) if i in exposed else None
        status = {
            "handed_over": ClueStatus.HANDED_OVER,
            "verifying": ClueStatus.VERIFYING,
            "closed": ClueStatus.CLOSED,
            "talk": ClueStatus.TALK,
            "shelved": ClueStatus.SHELVED,
            "case": ClueStatus.CONCLUDED,
        }[kind]
        creator = actors[i % len(actors)]
        clue = Clue(
            project=project,
            source=ClueSource.ISSUE if source_issue else ClueSource.FINDING if source_finding else ClueSource.DIRECT,
            issue=source_issue,
            finding=source_finding,
            title=f"{department.display_name}工作人员{problem}问题"
            if source_issue is None
            else f"{source_issue.title}涉及的作风问题",
            description=f"反映{department.display_name}有关工作人员{problem}，影响重大投资项目推进。",
            status=status,
            received_on=day,
            verification_started_on=verify_on if kind != "handed_over" else None,
            disposed_on=dispose_on if kind in ("closed", "talk", "shelved", "case") else None,
            filed_on=dispose_on if kind == "case" else None,
            concluded_on=decided_on if kind == "case" else None,
            exposed_on=exposed_on,
            handed_over_to=None,
            verification_note="经初步核实，反映的问题基本属实。" if kind != "handed_over" else "",
            disposal_note={
                "closed": "反映问题失实，予以了结。",
                "talk": "对相关人员进行谈话函询。",
                "shelved": "暂存待查。",
                "case": "予以立案审查调查。",
            }.get(kind, ""),
            exposure_note="在市纪委监委网站通报曝光。" if exposed_on else "",
            created_by=creator,
        )
        clue.created_at = clue.updated_at = _at(day)
        clues.append(clue)
        subjects = []
        for n in range(sizes[i]):
            outcome: dict = {}
            if kind == "case":
                outcome = _sanction(rng) if n < sanctioned_in[i] else {"supervision_form": "1"}
                outcome["decided_on"] = decided_on
            elif kind == "talk":
                outcome = {"supervision_form": "1", "decided_on": decided_on, "outcome_note": "批评教育。"}
            subjects.append(
                ClueSubject(
                    name=_name(rng),
                    post=rng.choice(POSTS),
                    department=department,
                    exposed=exposed_on is not None,
                    position=n,
                    created_at=_at(day),
                    **outcome,
                )
            )
        subject_rows.append(subjects)
        steps: list[tuple[str, str, str, dt.date, User, str]] = [
            (ClueEvent.Action.REGISTER, "", ClueStatus.REGISTERED, day, creator, "")
        ]
        steps.append((ClueEvent.Action.HAND_OVER, ClueStatus.REGISTERED, ClueStatus.HANDED_OVER, day, lead, ""))
        if kind != "handed_over":
            steps.append(
                (
                    ClueEvent.Action.VERIFY,
                    ClueStatus.HANDED_OVER,
                    ClueStatus.VERIFYING,
                    verify_on,
                    creator,
                    clue.verification_note,
                )
            )
        disposal = {
            "closed": ClueEvent.Action.CLOSE,
            "talk": ClueEvent.Action.TALK,
            "shelved": ClueEvent.Action.SHELVE,
            "case": ClueEvent.Action.FILE_CASE,
        }.get(kind)
        if disposal:
            target = ClueStatus.CASE if kind == "case" else status
            steps.append(
                (
                    disposal,
                    ClueStatus.VERIFYING,
                    target,
                    dispose_on,
                    leader if kind == "case" else lead,
                    clue.disposal_note,
                )
            )
        if kind in ("case", "talk"):
            steps += [(ClueEvent.Action.OUTCOME, "", "", decided_on, leader, s.name) for s in subjects]
        if kind == "case":
            steps.append(
                (ClueEvent.Action.CONCLUDE, ClueStatus.CASE, ClueStatus.CONCLUDED, decided_on, leader, "审查调查终结。")
            )
        if exposed_on:
            steps.append((ClueEvent.Action.EXPOSE, "", "", exposed_on, leader, clue.exposure_note))
        event_rows.append(
            [
                ClueEvent(
                    actor=actor,
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    data={"version": version + 1, "on": on.isoformat(), "demo": True},
                    created_at=_at(on, minutes=version),
                )
                for version, (action, from_status, to_status, on, actor, note) in enumerate(steps)
            ]
        )
    Clue.objects.bulk_create(clues, batch_size=500)
    for clue, subjects, events in zip(clues, subject_rows, event_rows, strict=True):
        for subject in subjects:
            subject.clue = clue
        for event in events:
            event.clue = clue
        clue.version = len(events)
    Clue.objects.bulk_update(clues, ["version"], batch_size=500)
    ClueSubject.objects.bulk_create([s for rows in subject_rows for s in rows], batch_size=1000)
    ClueEvent.objects.bulk_create([e for rows in event_rows for e in rows], batch_size=1000)
    return len(clues)


def _at(day: dt.date, *, minutes: int = 0) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)) + dt.timedelta(minutes=minutes))
