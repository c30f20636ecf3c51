"""IssueFilter copies its declared filters shallowly (issues/filters.py): each FilterSet still owns
its filters, as django-filter's deep copy guarantees, and filters exactly as before."""

from __future__ import annotations

import django_filters
from django.http import QueryDict

from issues.filters import IssueFilter
from issues.models import Issue, IssueStatus
from tests.factories import IssueFactory


def test_each_filterset_owns_its_filters_and_the_declared_ones_stay_untouched(db, world, rf):
    request = rf.get("/")
    request.user = world.inspector
    first = IssueFilter(QueryDict("status=closed"), queryset=Issue.objects.all(), request=request)
    second = IssueFilter(None, queryset=Issue.objects.all(), request=request)
    assert first.is_bound and not second.is_bound
    for name, declared in IssueFilter.base_filters.items():
        assert first.filters[name] is not declared and first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].extra is not declared.extra
        assert not hasattr(declared, "parent")
    world.hand_off()
    first.form  # noqa: B018 — builds the form: limits the choice lists of `first` only
    assert list(first.filters["project"].queryset) == [world.project]  # projects of visible issues
    assert not IssueFilter.base_filters["project"].queryset.exists()  # still .none()
    assert not second.filters["project"].queryset.exists()
    # each FilterSet builds its own form field; a declared filter's field (the schema generator
    # builds those for the API docs) is never shared with a request's FilterSet
    assert first.filters["status"].field is not IssueFilter.base_filters["status"].__dict__.get("_field")
    assert first.filters["status"].field is not second.filters["status"].field
    # a method filter calls the method of its own FilterSet
    assert first.filters["status"].filter.f is first.filters["status"]


def test_filters_narrow_as_declared(db, world):
    closed = IssueFactory(project=world.project, lead_department=world.lead_department, status=IssueStatus.CLOSED)
    IssueFactory(project=world.project, lead_department=world.lead_department)
    filterset = IssueFilter(QueryDict("status=closed&ordering=-code"), queryset=Issue.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs) == [closed]
    assert isinstance(filterset.filters["ordering"], django_filters.OrderingFilter)
    invalid = IssueFilter(QueryDict("status=nonsense"), queryset=Issue.objects.all())
    assert not invalid.is_valid() and "status" in invalid.errors
