"""Invalid data is refused by the database, not just by forms."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from dispatch.models import MeetingRule
from issues.models import ExtensionRequest, Issue, IssueStatus
from tests.factories import IssueFactory, SiteVisitFactory, SupervisionGroupFactory


def _refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.django_db
def test_issue_constraints():
    issue = IssueFactory()
    _refused(lambda: Issue.objects.filter(pk=issue.pk).update(status="lost"))
    _refused(
        lambda: Issue.objects.filter(pk=issue.pk).update(
            rectification_deadline=issue.sign_deadline - dt.timedelta(days=1)
        )
    )
    _refused(lambda: Issue.objects.filter(pk=issue.pk).update(status=IssueStatus.CLOSED, closed_at=None))
    _refused(lambda: Issue.objects.filter(pk=issue.pk).update(progress_percent=101))
    _refused(lambda: Issue.objects.filter(pk=issue.pk).update(status=IssueStatus.IN_PROGRESS, signed_at=None))


@pytest.mark.django_db
def test_extension_constraints(world):
    issue = IssueFactory(status=IssueStatus.IN_PROGRESS)
    base = dict(issue=issue, requested_by=world.lead_liaison, reason="x", current_deadline=issue.rectification_deadline)
    _refused(lambda: ExtensionRequest.objects.create(**base, requested_deadline=issue.rectification_deadline))
    ExtensionRequest.objects.create(**base, requested_deadline=issue.rectification_deadline + dt.timedelta(days=3))
    _refused(
        lambda: ExtensionRequest.objects.create(
            **base, requested_deadline=issue.rectification_deadline + dt.timedelta(days=5)
        )
    )


@pytest.mark.django_db
def test_visit_needs_a_method_and_a_sane_geo_point():
    _refused(lambda: SiteVisitFactory(method_onsite=False))
    _refused(lambda: SiteVisitFactory(latitude=95, longitude=100))


@pytest.mark.django_db
def test_meeting_rule_refuses_impossible_day():
    group = SupervisionGroupFactory()
    _refused(
        lambda: MeetingRule.objects.create(
            group=group, kind="day_of_month", day_of_month=31, time=dt.time(15), place="x"
        )
    )
    _refused(
        lambda: MeetingRule.objects.create(group=group, kind="last_weekday", weekday=9, time=dt.time(15), place="x")
    )
