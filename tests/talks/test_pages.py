"""Talk pages: the list, the record form (keeps what was typed, Chinese errors, the 红黑榜 snapshot
from reports), the detail with its commitments, confirming one, the department's page, the desk,
the API; constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from talks.models import CommitmentStatus, Talk
from talks.ranking import RankingSnapshot, set_ranking_source
from tests.talks.conftest import record

pytestmark = pytest.mark.django_db


def _post_data(world, issue=None, **overrides):
    data = {
        "kind": "interview",
        "held_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "department": world.lead_department.pk,
        "group": world.group.pk,
        "interviewee_name": "孙局长",
        "interviewee_post": "局长",
        "led_by": world.group_lead.pk,
        "place": "市纪委监委谈话室",
        "reason": "用地报批问题逾期未整改",
        "agreed": "限期一周补正材料",
        "commitment_text_1": "补正用地报批材料",
        "commitment_days_1": "5",
    }
    if issue is not None:
        data["issues"] = [issue.pk]
    data.update(overrides)
    return data


def test_list_shows_only_the_readers_talks(client, world, talk_a, talk_b):
    client.force_login(world.lead_liaison)
    html = client.get(reverse("talks:list")).content.decode()
    assert "孙局长" in html and "钱副局长" not in html
    assert "记录约谈" not in html  # a liaison records nothing
    client.force_login(world.leader)
    html = client.get(reverse("talks:list")).content.decode()
    assert "孙局长" in html and "钱副局长" in html and reverse("talks:create") in html


def test_recording_through_the_form_stores_the_ranking_snapshot(client, world, issue):
    client.force_login(world.group_lead)
    response = client.post(reverse("talks:create"), _post_data(world, issue))
    talk = Talk.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("talks:detail", args=[talk.pk])
    assert list(talk.issues.all()) == [issue]
    assert talk.commitments.get().working_days == 5
    # reports handed talks its reader at start-up: the month before the talk's was judged
    assert talk.ranking_month != ""


def test_the_ranking_reader_is_the_one_reports_installs(world):
    from reports.talk_ranking import department_ranking_before
    from talks import ranking

    assert ranking._source is department_ranking_before


def test_the_ranking_snapshot_is_what_the_source_said(client, world, monkeypatch):
    from talks import ranking

    monkeypatch.setattr(ranking, "_source", None)
    set_ranking_source(lambda department_id, held_on: RankingSnapshot("2026-10", "black", "逾期未整改1件"))
    client.force_login(world.leader)
    client.post(reverse("talks:create"), _post_data(world, group=""))
    talk = Talk.objects.get()
    assert (talk.ranking_list, talk.ranking_reason) == ("black", "逾期未整改1件")
    html = client.get(reverse("talks:detail", args=[talk.pk])).content.decode()
    assert "2026-10列入黑榜" in html and "逾期未整改1件" in html


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong_in_chinese(client, world):
    client.force_login(world.group_lead)
    data = _post_data(world, reason="", commitment_days_1="", commitment_text_2="", commitment_days_2="3")
    response = client.post(reverse("talks:create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "此项为必填项。" in html
    assert "请填写该承诺事项的完成时限（工作日）。" in html
    assert "请填写承诺事项内容，或清空完成时限。" in html
    assert 'value="孙局长"' in html and "补正用地报批材料" in html and "限期一周补正材料" in html
    assert not Talk.objects.exists()


def test_a_service_refusal_lands_on_its_field_with_the_input_kept(client, world):
    client.force_login(world.group_lead)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(reverse("talks:create"), _post_data(world, held_on=future))
    assert response.status_code == 400
    html = response.content.decode()
    assert "谈话日期不能晚于今天" in html and 'value="孙局长"' in html


def test_a_lead_cannot_pick_another_groups_name(client, world):
    client.force_login(world.group_lead)
    response = client.post(reverse("talks:create"), _post_data(world, group=world.other_group.pk))
    assert response.status_code == 400
    assert not Talk.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "lead_liaison", "admin"])
def test_others_may_not_open_the_form(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("talks:create")).status_code == 403


def test_detail_and_confirming_a_commitment(client, world, talk_a, issue):
    client.force_login(world.group_lead)
    url = reverse("talks:detail", args=[talk_a.pk])
    html = client.get(url).content.decode()
    assert issue.code in html and "补正用地报批材料" in html and "确认已落实" in html
    commitment = talk_a.commitments.order_by("pk").first()
    fulfil = reverse("talks:commitment_fulfil", args=[talk_a.pk, commitment.pk])
    # an empty note: the page again with the error under the note
    response = client.post(fulfil, {f"c{commitment.pk}-expected_version": "1", f"c{commitment.pk}-note": ""})
    assert response.status_code == 400 and "此项为必填项。" in response.content.decode()
    response = client.post(
        fulfil, {f"c{commitment.pk}-expected_version": "1", f"c{commitment.pk}-note": "已补正并报送"}
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.FULFILLED
    # the same stale form again: refused on the page, nothing changed twice
    response = client.post(fulfil, {f"c{commitment.pk}-expected_version": "1", f"c{commitment.pk}-note": "再次"})
    assert response.status_code == 400


def test_a_liaison_reads_his_departments_talk_without_the_confirm_form(client, world, talk_a):
    client.force_login(world.lead_liaison)
    html = client.get(reverse("talks:detail", args=[talk_a.pk])).content.decode()
    assert "孙局长" in html and "确认已落实" not in html
    commitment = talk_a.commitments.first()
    url = reverse("talks:commitment_fulfil", args=[talk_a.pk, commitment.pk])
    assert client.post(url, {}).status_code == 403
    client.force_login(world.other_liaison)
    assert client.get(reverse("talks:detail", args=[talk_a.pk])).status_code == 404


def test_the_department_page(client, world, talk_a):
    record(world, kind="reminder", held_on=timezone.localdate() - dt.timedelta(days=90), interviewee_name="李副局长")
    client.force_login(world.lead_liaison)
    response = client.get(reverse("talks:department", args=[world.lead_department.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "约谈 1 次" in html and "提醒谈话 1 次" in html and "其中逾期 2 项" in html
    assert "李副局长" in html
    client.force_login(world.other_liaison)
    assert client.get(reverse("talks:department", args=[world.lead_department.pk])).status_code == 404


def test_the_departments_page_says_none_without_zeros(client, world):
    client.force_login(world.leader)
    html = client.get(reverse("talks:department", args=[world.other_department.pk])).content.decode()
    assert "暂无该单位的约谈记录。" in html and " 0 次" not in html


def test_overdue_commitments_on_the_leads_desk_and_the_liaisons_home(client, world):
    record(world, held_on=timezone.localdate() - dt.timedelta(days=60))
    client.force_login(world.group_lead)
    response = client.get(reverse("home"))
    assert response.context["lead"]["counts"]["talk_followups"] == 2
    html = response.content.decode()
    assert 'id="lead-talk_followups"' in html and "补正用地报批材料" in html
    assert 'data-queue="talk_followups">2</span>' in html  # the navigation's badge
    client.force_login(world.lead_liaison)
    html = client.get(reverse("home")).content.decode()
    assert 'id="box-talk-commitments"' in html and "补正用地报批材料" in html


@pytest.mark.parametrize("name", ["talks:list", "department"])
def test_lists_run_the_same_queries_for_few_and_many_talks(client, world, issue, name, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = (
        reverse("talks:list") if name == "talks:list" else reverse("talks:department", args=[world.lead_department.pk])
    )
    record(world, issues=[issue])
    client.force_login(world.inspector)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(8):
        record(world, issues=[issue], interviewee_name=f"谈话对象{index}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("data-talk=") == 9


def test_api_list_and_detail_are_scoped(client, world, talk_a, talk_b, issue):
    client.force_login(world.lead_liaison)
    rows = client.get("/api/v1/talks/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [row["id"] for row in rows] == [talk_a.pk]
    detail = client.get(f"/api/v1/talks/{talk_a.pk}/").json()
    assert detail["interviewee_post"] == "局长" and detail["issues"][0]["code"] == issue.code
    assert [c["working_days"] for c in detail["commitments"]] == [5, 10]
    assert client.get(f"/api/v1/talks/{talk_b.pk}/").status_code == 404
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/talks/" in schema and "约谈记录列表" in schema


def test_the_demo_records_a_lead_talk_and_a_leader_talk_through_the_service(client):
    from io import StringIO

    from django.core.management import call_command

    from talks.models import TalkEvent

    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # twice: nothing added
    talks = {talk.department.short_name: talk for talk in Talk.objects.select_related("department")}
    assert set(talks) == {"市林草局", "市自然资源局"}
    assert talks["市林草局"].kind == "interview" and talks["市林草局"].issues.exists()
    assert talks["市自然资源局"].kind == "reminder" and talks["市自然资源局"].group is None
    assert TalkEvent.objects.filter(action="record").count() == 2
    assert all(talk.ranking_month for talk in talks.values())  # reports handed in the 红黑榜 place
    client.force_login(talks["市林草局"].recorded_by)
    assert "马志强" in client.get(reverse("talks:list")).content.decode()
