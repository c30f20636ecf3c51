"""factory_boy factories for every domain model. Issues are made through the hand-off service in
tests that care about events; IssueFactory makes a bare row for lists and figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role
from inspections.models import Finding, SiteVisit
from issues.models import Issue, IssueCategory, IssueStatus, ProgressUpdate
from projects.models import Authorization, GroupMembership, Project, SupervisionGroup


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"市测试局{n}")
    kind = Department.Kind.CITY_DEPARTMENT


class EnterpriseFactory(DepartmentFactory):
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    kind = Department.Kind.ENTERPRISE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", "pass-Dudao-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            self.save()
            return
        for role in extracted:
            group, _ = Group.objects.get_or_create(name=str(role))
            self.groups.add(group)
        self.save()
        self.__dict__.pop("role_names", None)


def make_user(username: str, *roles: Role, department: Department | None = None, **extra) -> User:
    return UserFactory(username=username, roles=list(roles), department=department, **extra)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试重大项目{n}")
    county = "昭阳区"
    enterprise = factory.SubFactory(EnterpriseFactory)
    investment = Decimal("10.00")


class SupervisionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionGroup

    name = factory.Sequence(lambda n: f"第{n}专项督导组")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(SupervisionGroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupMembership.Role.MEMBER


class AuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorization

    number = factory.Sequence(lambda n: f"昭纪授〔2026〕{n}号")
    inspector = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=180))


class SiteVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteVisit

    project = factory.SubFactory(ProjectFactory)
    visited_on = factory.LazyFunction(timezone.localdate)
    place = "项目现场"
    method_onsite = True
    summary = "实地察看项目推进情况。"
    created_by = factory.SubFactory(UserFactory)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    visit = factory.SubFactory(SiteVisitFactory)
    kind = Finding.Kind.BLOCKAGE
    text = "用地报批进度滞后。"


class IssueFactory(factory.django.DjangoModelFactory):
    """A bare issue row (no events). Use issues.services.issue_hand_off when events matter."""

    class Meta:
        model = Issue

    code = factory.Sequence(lambda n: f"T{n:06d}")
    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"测试问题{n}")
    description = "问题描述。"
    category = IssueCategory.WORK_STYLE
    lead_department = factory.SubFactory(DepartmentFactory)
    handed_off_by = factory.SubFactory(UserFactory)
    handed_off_at = factory.LazyFunction(timezone.now)
    sign_deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))
    rectification_deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    status = IssueStatus.HANDED_OFF
    signed_at = factory.LazyAttribute(
        lambda o: None if o.status in (IssueStatus.HANDED_OFF, IssueStatus.WITHDRAWN) else timezone.now()
    )
    closed_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == IssueStatus.CLOSED else None)
    withdrawn_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == IssueStatus.WITHDRAWN else None)
    progress_percent = factory.LazyAttribute(lambda o: 100 if o.status == IssueStatus.CLOSED else 0)
    close_proposed_by = factory.LazyAttribute(
        lambda o: o.handed_off_by if o.status == IssueStatus.CLOSE_PROPOSED else None
    )
    close_proposed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == IssueStatus.CLOSE_PROPOSED else None
    )


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    issue = factory.SubFactory(IssueFactory)
    author = factory.SubFactory(UserFactory)
    department = factory.SelfAttribute("issue.lead_department")
    text = "已召开专题会研究整改措施。"
    percent = 50


def make_clue(
    *,
    created_by: User,
    issue: Issue | None = None,
    project: Project | None = None,
    received_on: dt.date | None = None,
    people: int = 1,
    filed_on: dt.date | None = None,
    concluded_on: dt.date | None = None,
    outcomes: tuple[dict, ...] = (),
    exposed_on: dt.date | None = None,
    named: int = 0,
    title: str = "问题线索",
):
    """A bare clue row with `people` persons concerned, for lists and figures (the steps and their
    events are tested through clues.services). `outcomes[i]` sets the i-th person's decision
    (supervision_form, party_sanction, government_sanction, organizational_measure, decided_on);
    the first `named` persons are named in the notice of `exposed_on`."""
    from clues.models import Clue, ClueSource, ClueStatus, ClueSubject

    if project is None:
        assert issue is not None, "a clue needs its project or its issue"
        project = issue.project
    if filed_on is not None:
        status = ClueStatus.CONCLUDED if concluded_on else ClueStatus.CASE
    else:
        status = ClueStatus.HANDED_OVER if received_on else ClueStatus.REGISTERED
    clue = Clue.objects.create(
        project=project,
        source=ClueSource.ISSUE if issue else ClueSource.DIRECT,
        issue=issue,
        title=title,
        description="反映的问题。",
        status=status,
        received_on=received_on,
        disposed_on=filed_on,
        filed_on=filed_on,
        concluded_on=concluded_on,
        exposed_on=exposed_on,
        created_by=created_by,
    )
    for index in range(people):
        outcome = outcomes[index] if index < len(outcomes) else {}
        ClueSubject.objects.create(
            clue=clue, name=f"涉及人员{index + 1}", position=index, exposed=index < named, **outcome
        )
    return clue
