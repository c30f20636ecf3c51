"""Procedure stages and factor guarantees are kept on pages by the members of the project's groups,
each change through projects.services with its history; the admin only shows workflow records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from clues.models import Clue, ClueEvent, ClueSubject
from issues.models import (
    EvidenceFile,
    EvidenceReview,
    ExtensionRequest,
    Instruction,
    IssueEvent,
    IssueRecheck,
    ProgressUpdate,
    RecheckPhoto,
)
from projects import services
from projects.models import FactorGuarantee, ProcedureStage, ProjectRecordEvent
from tests.factories import MembershipFactory


def stage_data(**overrides):
    data = {
        "kind": "land_approval",
        "name": "一期用地",
        "status": "in_progress",
        "started_on": "2026-10-08",
        "finished_on": "",
        "blocked_since": "",
        "blockage_note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def stage(world):
    return services.procedure_stage_create(
        actor=world.inspector, project=world.project, kind="environmental", status="in_progress"
    )


@pytest.mark.parametrize("who", ["inspector", "group_lead"])
def test_members_of_the_projects_group_register_a_stage(client, world, who):
    client.force_login(getattr(world, who))
    response = client.post(reverse("projects:stage_create", args=[world.project.pk]), stage_data())
    assert response.status_code == 302
    stage = ProcedureStage.objects.get(project=world.project)
    assert (stage.kind, stage.name, stage.status, stage.started_on) == (
        "land_approval",
        "一期用地",
        "in_progress",
        dt.date(2026, 10, 8),
    )
    event = ProjectRecordEvent.objects.get(stage=stage)
    assert event.actor == getattr(world, who) and event.action == "create"
    assert {"field": "状态", "from": "—", "to": "推进中"} in event.changes


@pytest.mark.parametrize(
    "who,status", [("leader", 403), ("admin", 403), ("authorized_inspector", 403), ("other_inspector", 404)]
)
def test_others_are_refused_with_a_message(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.post(reverse("projects:stage_create", args=[world.project.pk]), stage_data())
    assert response.status_code == status
    assert not ProcedureStage.objects.exists()
    with pytest.raises((PermissionDenied, Exception)) as caught:
        services.procedure_stage_create(actor=getattr(world, who), project=world.project, **stage_data(started_on=None))
    if isinstance(caught.value, PermissionDenied):
        assert "督导组的成员" in str(caught.value)


def test_the_refusal_page_says_why(client, world):
    client.force_login(world.leader)
    response = client.get(reverse("projects:stage_create", args=[world.project.pk]))
    assert response.status_code == 403
    assert "只有本项目所在督导组的成员可以登记或修改手续环节和要素保障" in response.content.decode()


def test_a_blocked_stage_needs_its_blockage_and_keeps_the_input(client, world, stage):
    client.force_login(world.inspector)
    url = reverse("projects:stage_edit", args=[world.project.pk, stage.pk])
    response = client.post(url, stage_data(kind="environmental", name="", status="blocked", expected_version=1))
    assert response.status_code == 400
    assert "受阻的环节请说明堵点" in response.content.decode()
    assert response.context["form"]["status"].value() == "blocked"
    response = client.post(
        url,
        stage_data(
            kind="environmental", name="", status="blocked", blockage_note="专家评审排期未定", expected_version=1
        ),
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.status == "blocked" and stage.blocked_since is not None and stage.version == 2
    event = stage.events.get(action="update")
    assert {"field": "状态", "from": "推进中", "to": "受阻"} in event.changes
    # the history shows on the page, and the project page links to it
    page = client.get(url).content.decode()
    assert "推进中 → 受阻" in page and "张督导" in page
    assert url in client.get(reverse("projects:detail", args=[world.project.pk])).content.decode()


def test_a_stale_edit_is_refused_with_what_the_other_saved(world, stage):
    services.procedure_stage_update(
        actor=world.group_lead, stage=stage, expected_version=1, kind="environmental", name="", status="done",
        started_on=dt.date(2026, 10, 1), finished_on=dt.date(2026, 11, 2), blocked_since=None, blockage_note="",
    )  # fmt: skip
    with pytest.raises(services.StaleRecordError, match="已被他人修改.*已完成"):
        services.procedure_stage_update(
            actor=world.inspector, stage=ProcedureStage.objects.get(pk=stage.pk) and stage, expected_version=1,
            kind="environmental", name="", status="blocked", started_on=None, finished_on=None,
            blocked_since=None, blockage_note="x",
        )  # fmt: skip


@pytest.mark.parametrize(
    "values,field",
    [
        ({"status": "done", "finished_on": None}, "finished_on"),
        ({"started_on": dt.date(2026, 11, 5), "finished_on": dt.date(2026, 11, 1), "status": "done"}, "finished_on"),
        ({"started_on": dt.date(2099, 1, 1)}, "started_on"),
        ({"status": "in_progress", "finished_on": dt.date(2026, 11, 1)}, "finished_on"),
    ],
)
def test_stage_dates_follow_the_rules(world, values, field):
    data = {"kind": "forest_land", "name": "", "status": "in_progress", "started_on": None, "finished_on": None}
    data.update(values)
    with pytest.raises(ValidationError) as caught:
        services.procedure_stage_create(actor=world.inspector, project=world.project, **data)
    assert field in caught.value.error_dict


def test_the_same_stage_twice_is_refused(world, stage):
    with pytest.raises(ValidationError, match="同名的手续环节"):
        services.procedure_stage_create(actor=world.inspector, project=world.project, kind="environmental")


def test_factors_are_registered_once_and_updated_with_history(client, world):
    client.force_login(world.inspector)
    create = reverse("projects:factor_create", args=[world.project.pk])
    assert client.post(create, {"factor": "electricity", "status": "in_progress", "note": ""}).status_code == 302
    again = client.post(create, {"factor": "electricity", "status": "guaranteed", "note": ""})
    assert again.status_code == 400 and "请在原记录上更新" in again.content.decode()
    record = FactorGuarantee.objects.get(project=world.project, factor="electricity")
    edit = reverse("projects:factor_edit", args=[world.project.pk, record.pk])
    missing_note = client.post(edit, {"status": "at_risk", "note": "", "expected_version": 1})
    assert missing_note.status_code == 400 and "存在困难的要素请说明困难所在" in missing_note.content.decode()
    assert (
        client.post(edit, {"status": "at_risk", "note": "110kV 线路未接入", "expected_version": 1}).status_code == 302
    )
    record.refresh_from_db()
    assert (record.status, record.note, record.version) == ("at_risk", "110kV 线路未接入", 2)
    actions = list(record.events.order_by("created_at", "id").values_list("action", flat=True))
    assert actions == ["create", "update"]
    stale = client.post(edit, {"status": "guaranteed", "note": "", "expected_version": 1})
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    # a record of another project is not reachable through this project
    other = FactorGuarantee.objects.create(project=world.other_project, factor="water")
    assert client.get(reverse("projects:factor_edit", args=[world.project.pk, other.pk])).status_code == 404


def test_a_new_member_of_the_group_may_keep_the_records(world):
    from accounts.roles import Role
    from tests.factories import make_user

    newcomer = make_user("newcomer", Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        services.factor_guarantee_create(actor=newcomer, project=world.project, factor="road", status="in_progress")
    MembershipFactory(group=world.group, user=newcomer)
    assert services.factor_guarantee_create(
        actor=newcomer, project=world.project, factor="road", status="in_progress"
    ).pk


WORKFLOW_RECORDS = [
    IssueEvent,
    Instruction,
    ExtensionRequest,
    EvidenceFile,
    EvidenceReview,
    ProgressUpdate,
    Clue,
    ClueSubject,
    ClueEvent,
    IssueRecheck,
    RecheckPhoto,
]


@pytest.mark.parametrize("model", [*WORKFLOW_RECORDS, ProcedureStage, FactorGuarantee, ProjectRecordEvent])
def test_the_admin_shows_workflow_records_read_only_even_to_the_superuser(world, model):
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    assert world.admin.is_superuser
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_issue_and_project_admin_inlines_of_workflow_records_are_read_only(world):
    from issues.models import Issue
    from projects.models import Project

    request = RequestFactory().get("/admin/")
    request.user = world.admin
    for parent in (Issue, Project):
        for inline in admin.site._registry[parent].get_inline_instances(request):
            if inline.model in (*WORKFLOW_RECORDS, ProcedureStage, FactorGuarantee):
                assert not inline.has_add_permission(request, None), inline.model
                assert not inline.has_change_permission(request), inline.model


def test_the_admin_add_page_of_a_workflow_record_is_forbidden(client, world):
    client.force_login(world.admin)
    for name in ("issues_instruction", "issues_extensionrequest", "issues_evidencefile", "clues_clue"):
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
