"""回头看 tied to issues: a re-check visit records, per submitted or closed issue, 已整改到位 /
未整改到位 / 反弹 with photos; serious issues need such proof before 销号; a failed re-check
sends the issue back to the department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from issues import services
from issues.errors import IssueInvalidInput, IssuePermissionDenied, IssueTransitionNotAllowed
from issues.models import IssueEvent, IssueRecheck, IssueSeverity, IssueStatus
from tests.factories import SiteVisitFactory
from tests.issues.view_helpers import pdf_upload, png_upload


def submit(world, issue):
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="整改完成。", percent=100)
    return services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改到位。")


@pytest.fixture
def serious(world):
    return submit(world, world.hand_off(severity=IssueSeverity.SERIOUS))


@pytest.fixture
def recheck_visit(world):
    return SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)


def record(world, issue, visit, result="rectified", note="", files=None, actor=None):
    return services.issue_recheck_record(
        issue=issue,
        actor=actor or world.inspector,
        visit=visit,
        result=result,
        note=note,
        files=[png_upload("回头看.png")] if files is None else files,
    )


def test_a_recheck_records_its_result_photos_and_an_event(world, serious, recheck_visit):
    recheck = record(world, serious, recheck_visit)
    assert recheck.result == "rectified" and recheck.photos.count() == 1
    event = serious.events.get(action=IssueEvent.Action.RECHECK)
    assert event.actor == world.inspector
    assert event.data["result"] == "rectified" and event.data["files"] == ["回头看.png"]
    assert event.note == "已整改到位"  # the timeline says what the re-check found
    serious.refresh_from_db()
    assert serious.status == IssueStatus.SUBMITTED  # a passed re-check changes no status


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"files": []}, "files", "至少一张回头看现场照片"),
        ({"files": [pdf_upload()]}, "files", "至少一张回头看现场照片"),
        ({"result": "rebound", "note": ""}, "note", "请写明未整改到位或反弹的具体情况"),
        ({"result": "gone"}, "result", "请选择回头看结论"),
    ],
)
def test_a_recheck_needs_photos_a_result_and_for_a_failure_what_was_found(
    world, serious, recheck_visit, change, field, message
):
    with pytest.raises(IssueInvalidInput, match=message) as caught:
        record(world, serious, recheck_visit, **change)
    assert caught.value.field == field
    assert not IssueRecheck.objects.exists()


def test_the_visit_must_be_a_recheck_of_the_project_after_the_submission(world, serious):
    plain = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=False)
    elsewhere = SiteVisitFactory(project=world.other_project, created_by=world.inspector, is_recheck=True)
    before = SiteVisitFactory(
        project=world.project,
        created_by=world.inspector,
        is_recheck=True,
        visited_on=timezone.localdate() - dt.timedelta(days=3),
    )
    for visit in (plain, elsewhere):
        with pytest.raises(IssueInvalidInput, match="回头看”的检查记录"):
            record(world, serious, visit)
    with pytest.raises(IssueInvalidInput, match="须在问题提交核验"):
        record(world, serious, before)


def test_one_result_per_issue_and_visit(world, serious, recheck_visit):
    record(world, serious, recheck_visit)
    with pytest.raises(IssueInvalidInput, match="已在这次回头看中记录过"):
        record(world, serious, recheck_visit)


@pytest.mark.parametrize("who", ["lead_liaison", "leader", "other_inspector", "admin"])
def test_only_the_projects_inspectors_record_a_recheck(world, serious, recheck_visit, who):
    with pytest.raises(IssuePermissionDenied, match="只有本项目的督导人员可以记录回头看"):
        record(world, serious, recheck_visit, actor=getattr(world, who))


def test_an_issue_still_with_the_department_is_not_rechecked(world, issue, recheck_visit):
    with pytest.raises(IssueTransitionNotAllowed, match="只有已提交核验或已销号的问题才能回头看"):
        record(world, issue, recheck_visit)


def test_a_rebound_on_a_submitted_issue_returns_it_as_rework(world, serious, recheck_visit):
    record(world, serious, recheck_visit, result="rebound", note="道路再次出现积水。")
    serious.refresh_from_db()
    assert serious.status == IssueStatus.IN_PROGRESS and serious.return_count == 1
    returned = serious.events.get(action=IssueEvent.Action.RETURN)
    assert returned.actor == world.inspector and "回头看发现反弹" in returned.note


@pytest.mark.parametrize(
    "threshold,severity,required",
    [
        ("serious", "general", False),
        ("serious", "serious", True),
        ("serious", "critical", True),
        ("critical", "serious", False),
        ("general", "general", True),
        ("none", "critical", False),
    ],
)
def test_the_group_chooses_from_which_severity_a_recheck_is_required(world, threshold, severity, required):
    world.group.recheck_required_from = threshold
    world.group.save()
    assert services.recheck_required(issue=world.hand_off(severity=severity)) is required


def test_the_default_requires_a_recheck_from_serious_on(world):
    from projects.models import SupervisionGroup

    assert SupervisionGroup(name="新组").recheck_required_from == "serious"


def test_the_record_page_keeps_the_input_and_shows_the_error(client, world, serious, recheck_visit):
    client.force_login(world.inspector)
    url = reverse("rechecks:create", args=[serious.pk])
    page = client.get(url, {"visit": recheck_visit.pk})
    assert page.status_code == 200 and page.context["form"]["visit"].value() == str(recheck_visit.pk)
    response = client.post(url, {"visit": recheck_visit.pk, "result": "rebound", "note": "路面返潮"})
    assert response.status_code == 400
    assert "至少一张回头看现场照片" in response.content.decode()
    assert response.context["form"]["note"].value() == "路面返潮"
    response = client.post(url, {"visit": recheck_visit.pk, "result": "rectified", "note": "", "files": png_upload()})
    assert response.status_code == 302 and response["Location"] == reverse("issues:detail", args=[serious.pk])
    recheck = IssueRecheck.objects.get()
    photo_url = reverse("issues:recheck_photo", args=[recheck.photos.get().pk])
    assert client.get(photo_url).status_code == 200
    client.force_login(world.other_liaison)
    assert client.get(photo_url).status_code == 404
    client.force_login(world.lead_liaison)
    assert client.get(photo_url).status_code == 200
    assert client.get(url).status_code == 403


def test_the_visit_page_lists_what_was_recorded_and_what_is_left(client, world, serious, recheck_visit):
    other = submit(world, world.hand_off(title="供电线路接入迟缓"))
    record(world, serious, recheck_visit)
    client.force_login(world.inspector)
    response = client.get(reverse("rechecks:visit", args=[recheck_visit.pk]))
    assert [r.issue for r in response.context["recorded"]] == [serious]
    assert response.context["to_recheck"] == [other]
    assert reverse("rechecks:create", args=[other.pk]) + f"?visit={recheck_visit.pk}" in response.content.decode()
    visit_page = client.get(reverse("inspections:detail", args=[recheck_visit.pk])).content.decode()
    assert reverse("rechecks:visit", args=[recheck_visit.pk]) in visit_page


# --- the gate on 销号 and the reopening (core's propose / confirm / reopen) ---------------------


def propose_and_confirm(world, issue):
    services.issue_propose_close(issue=issue, actor=world.inspector, note="佐证材料齐全，回头看属实。")
    services.issue_confirm_close(issue=issue, actor=world.group_lead, note="同意销号。")
    issue.refresh_from_db()
    return issue


def test_a_serious_issue_is_not_closed_without_a_recheck_proving_it(world, serious, recheck_visit):
    message = "该问题为“较重”问题，销号前须进行回头看"
    with pytest.raises(IssueTransitionNotAllowed, match=message):
        services.issue_propose_close(issue=serious, actor=world.inspector, note="核验属实。")
    # a 未整改到位 re-check is no proof (and returns the issue); once resubmitted, a passed one is
    record(world, serious, recheck_visit, result="not_rectified", note="围挡未拆除。")
    serious.refresh_from_db()
    assert serious.status == IssueStatus.IN_PROGRESS
    services.issue_submit(issue=serious, actor=world.lead_liaison, note="围挡已拆除。")
    serious.refresh_from_db()
    with pytest.raises(IssueTransitionNotAllowed, match=message):
        services.issue_propose_close(issue=serious, actor=world.inspector, note="核验属实。")
    second = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)
    record(world, serious, second)
    closed = propose_and_confirm(world, serious)
    assert closed.status == IssueStatus.CLOSED


def test_the_confirmation_checks_the_proof_too(world, serious, recheck_visit):
    """A proposal made while the group did not require a 回头看 is confirmed only with one once it does."""
    world.group.recheck_required_from = "none"
    world.group.save()
    services.issue_propose_close(issue=serious, actor=world.inspector, note="核验属实。")
    world.group.recheck_required_from = "serious"
    world.group.save()
    with pytest.raises(IssueTransitionNotAllowed, match="销号前须进行回头看"):
        services.issue_confirm_close(issue=serious, actor=world.group_lead)
    record(world, serious, recheck_visit)
    services.issue_confirm_close(issue=serious, actor=world.group_lead)


def test_a_general_issue_needs_no_recheck_by_default(world):
    issue = submit(world, world.hand_off())
    assert propose_and_confirm(world, issue).status == IssueStatus.CLOSED


def test_a_rebound_reopens_a_closed_issue_with_fresh_working_day_deadlines(world, serious, recheck_visit):
    from core.workdays import add_working_days

    record(world, serious, recheck_visit)
    closed = propose_and_confirm(world, serious)
    later = SiteVisitFactory(project=world.project, created_by=world.group_lead, is_recheck=True)
    record(world, closed, later, result="rebound", note="雨后道路再次积水，排水沟未疏通。", actor=world.group_lead)
    closed.refresh_from_db()
    assert closed.status == IssueStatus.IN_PROGRESS and closed.closed_at is None
    assert closed.rectification_deadline == add_working_days(timezone.localdate(), 20)
    assert closed.return_count == 1
    reopen = closed.events.get(action=IssueEvent.Action.REOPEN)
    assert reopen.actor == world.group_lead and reopen.from_status == IssueStatus.CLOSED
    assert "回头看发现反弹" in reopen.note
    actions = list(closed.events.order_by("created_at", "id").values_list("action", flat=True))
    assert actions[-2:] == [IssueEvent.Action.RECHECK, IssueEvent.Action.REOPEN]


def test_a_rebound_on_a_proposed_issue_reopens_it(world, serious, recheck_visit):
    record(world, serious, recheck_visit)
    services.issue_propose_close(issue=serious, actor=world.inspector, note="核验属实。")
    later = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)
    record(world, serious, later, result="not_rectified", note="整改材料与现场不符。")
    serious.refresh_from_db()
    assert serious.status == IssueStatus.IN_PROGRESS
    assert serious.events.filter(action=IssueEvent.Action.REOPEN).count() == 1


def test_a_reopened_issue_no_longer_shows_its_refused_completion(client, world, recheck_visit):
    """Before: a rebound left the bar at 100 % and the old 核验意见 on the page of an issue back in
    整改中. The bar goes back to the department's last report short of 100 (the 100 was the claim
    the rebound refutes); the opinion stays only in the timeline."""
    issue = world.hand_off(severity=IssueSeverity.SERIOUS)
    services.issue_sign(issue=issue, actor=world.lead_liaison)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="排水沟已完成六成。", percent=60)
    services.issue_progress_add(issue=issue, actor=world.lead_liaison, text="整改完成。", percent=100)
    services.issue_submit(issue=issue, actor=world.lead_liaison, note="已整改到位。")
    record(world, issue, recheck_visit)
    services.issue_propose_close(issue=issue, actor=world.inspector, note="现场核验属实，同意销号。")
    later = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)
    record(world, issue, later, result="rebound", note="雨后再次积水。")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS
    assert issue.progress_percent == 60 and issue.verification_opinion == ""
    proposal = issue.events.get(action=IssueEvent.Action.PROPOSE_CLOSE)
    assert proposal.note == "现场核验属实，同意销号。"  # the history keeps what was written
    client.force_login(world.inspector)
    page = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert 'data-testid="verification-opinion"' not in page


def test_a_reopened_issue_counts_as_rework_and_not_on_time(world, serious, recheck_visit):
    from reports.figures import Month, ReportScope, monthly_figures

    today = timezone.localdate()
    plain = propose_and_confirm(world, submit(world, world.hand_off(title="按期整改的问题")))
    record(world, serious, recheck_visit)
    propose_and_confirm(world, serious)
    later = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)
    record(world, serious, later, result="rebound", note="问题反弹。")
    serious.refresh_from_db()
    services.issue_submit(issue=serious, actor=world.lead_liaison, note="再次整改完成。")
    serious.refresh_from_db()
    last = SiteVisitFactory(project=world.project, created_by=world.inspector, is_recheck=True)
    record(world, serious, last)
    reclosed = propose_and_confirm(world, serious)
    assert reclosed.status == IssueStatus.CLOSED
    # both closed well before their deadlines in force …
    assert plain.closed_at.date() <= plain.rectification_deadline
    assert reclosed.closed_at.date() <= reclosed.rectification_deadline
    core = monthly_figures(month=Month.of(today), scope=ReportScope(key="all", label="全市"), today=today)["core"]
    # … but only the plain one is on time; the reopened one is rework
    assert (core["closed"], core["closed_on_time"], core["reworked"]) == (2, 1, 1)
    from issues.conditions import done_on, on_time_q
    from issues.models import Issue

    on_time = Issue.objects.annotate(done_on=done_on()).filter(on_time_q())
    assert list(on_time) == [plain]


def test_the_issue_page_shows_its_rechecks_and_offers_the_record_page_to_its_inspectors(
    client, world, serious, recheck_visit
):
    record(world, serious, recheck_visit, result="rectified")
    url = reverse("issues:detail", args=[serious.pk])
    record_url = reverse("rechecks:create", args=[serious.pk])
    client.force_login(world.inspector)
    html = client.get(url).content.decode()
    assert record_url in html and "已整改到位" in html and "回头看.png" in html
    assert "方可销号" in html  # a serious issue says what its 销号 needs
    client.force_login(world.lead_liaison)
    html = client.get(url).content.decode()
    assert record_url not in html and "已整改到位" in html
