"""Only departments that rectify (city departments, county governments) are 责任单位 or 协办单位:
the hand-off form, the meeting decision form, the services and the API all refuse the
commission's supervision partners (派驻纪检监察组, 县级纪委监委)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Department
from dispatch import services as dispatch_services
from dispatch.models import Decision, DispatchMeeting
from dispatch.services import DispatchError
from issues.errors import IssueInvalidInput
from issues.models import Issue
from tests.api.conftest import assert_error, client_as  # noqa: F401  (fixture)
from tests.factories import DepartmentFactory
from tests.issues.test_views_handoff import valid_data


@pytest.fixture
def partners(db):
    return {
        "dispatched": DepartmentFactory(name="驻市自然资源局纪检监察组", kind=Department.Kind.DISPATCHED_GROUP),
        "county": DepartmentFactory(name="昭阳区纪委监委", kind=Department.Kind.COUNTY_COMMISSION),
        "commission": DepartmentFactory(name="市纪委监委", kind=Department.Kind.COMMISSION),
        "enterprise": DepartmentFactory(name="某企业", kind=Department.Kind.ENTERPRISE),
    }


@pytest.fixture
def county_government(db):
    return DepartmentFactory(name="昭阳区人民政府", kind=Department.Kind.COUNTY_GOVERNMENT)


def test_only_city_departments_and_county_governments_rectify(world, partners, county_government):
    inactive = DepartmentFactory(name="已撤并的局", is_active=False)
    rectifying = set(Department.objects.rectifying())
    assert county_government in rectifying and world.lead_department in rectifying
    assert not rectifying & {*partners.values(), inactive}


def test_the_hand_off_form_offers_no_supervision_partner(client, world, partners, county_government):
    client.force_login(world.inspector)
    form = client.get(reverse("issues:create")).context["form"]
    for field in ("lead_department", "assisting_departments"):
        offered = set(form.fields[field].queryset)
        assert county_government in offered
        assert not offered & set(partners.values())


@pytest.mark.parametrize("partner", ["dispatched", "county"])
def test_posting_a_partner_as_lead_or_assisting_department_is_refused(client, world, partners, partner):
    client.force_login(world.inspector)
    response = client.post(reverse("issues:create"), valid_data(world, lead_department=partners[partner].pk))
    assert response.status_code == 200
    assert "lead_department" in response.context["form"].errors
    response = client.post(reverse("issues:create"), valid_data(world, assisting_departments=[partners[partner].pk]))
    assert "assisting_departments" in response.context["form"].errors
    assert not Issue.objects.exists()


@pytest.mark.parametrize("partner", ["dispatched", "county"])
def test_the_service_refuses_a_partner_with_a_clear_message(world, partners, partner):
    with pytest.raises(IssueInvalidInput, match="纪检监察机构不承担整改") as caught:
        world.hand_off(lead_department=partners[partner])
    assert caught.value.field == "lead_department"
    with pytest.raises(IssueInvalidInput, match="纪检监察机构不承担整改") as caught:
        world.hand_off(assisting_departments=[partners[partner]])
    assert caught.value.field == "assisting_departments"
    assert not Issue.objects.exists()


def test_the_api_refuses_a_partner_as_responsible_unit(client_as, world, partners):  # noqa: F811
    body = {
        "project": world.project.pk,
        "title": "用地报批迟缓",
        "description": "材料多次退回。",
        "category": "work_style",
        "lead_department": partners["county"].pk,
    }
    error = assert_error(client_as("inspector").post("/api/v1/issues/", body, format="json"), 400)
    assert "纪检监察机构不承担整改" in error["message"] or "lead_department" in error["fields"]
    body.update(lead_department=world.lead_department.pk, assisting_departments=[partners["dispatched"].pk])
    error = assert_error(client_as("inspector").post("/api/v1/issues/", body, format="json"), 400)
    assert "assisting_departments" in error["fields"]
    assert not Issue.objects.exists()
    body.update(assisting_departments=[world.assisting_department.pk])
    assert client_as("inspector").post("/api/v1/issues/", body, format="json").status_code == 201


@pytest.fixture
def meeting(world):
    return DispatchMeeting.objects.create(
        group=world.group,
        month=dt.date(2026, 12, 1),
        title="12月调度会",
        starts_at=dt.datetime(2026, 12, 25, 15, tzinfo=dt.UTC),
        place="三楼会议室",
    )


def test_the_decision_form_offers_no_supervision_partner(client, world, partners, meeting):
    client.force_login(world.inspector)
    page = client.get(reverse("dispatch:meeting_detail", args=[meeting.pk]))
    offered = set(page.context["decision_form"].fields["responsible_department"].queryset)
    assert world.lead_department in offered and not offered & set(partners.values())


def test_a_decision_cannot_name_a_partner_as_responsible_unit(client, world, partners, meeting):
    with pytest.raises(DispatchError, match="纪检监察机构不承担整改"):
        dispatch_services.decision_create(
            meeting=meeting, actor=world.inspector, text="督促用地报批", responsible_department=partners["county"]
        )
    client.force_login(world.inspector)
    response = client.post(
        reverse("dispatch:decision_add", args=[meeting.pk]),
        {"text": "督促用地报批", "responsible_department": partners["dispatched"].pk},
    )
    assert not Decision.objects.exists()
    assert response.status_code in (200, 400)
