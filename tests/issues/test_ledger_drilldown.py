"""The ledger's drill-down filters, and every dashboard/summary link landing on exactly the rows it counts.

The data set is the hand-built September of tests/reports/conftest.py (issues A1…A10, B1), whose
figures tests/reports/test_figures.py pins number by number, plus a few issues of the current month
so the live summary's links are followed as well.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from issues.models import IssueStatus
from tests.factories import IssueFactory
from tests.reports.conftest import SEPTEMBER, september  # noqa: F401  (the fixture, reused)

LEDGER = reverse("issues:ledger")


def listed(client, params: dict) -> set[str]:
    """Codes of every row the ledger lists for these filters (all pages)."""
    response = client.get(LEDGER, {**params, "ordering": "code"})
    assert response.status_code == 200
    page = response.context["page"]
    return {row["code"] for row in page.paginator.object_list}


def sep(*names: str) -> set[str]:
    return {f"SEP-{name}" for name in names}


@pytest.fixture
def as_leader(client, september):  # noqa: F811
    client.force_login(september.world.leader)
    return client


# --- each new filter --------------------------------------------------------------------------


def test_status_open_is_the_three_open_statuses(as_leader):
    assert listed(as_leader, {"status": "open"}) == sep("A6", "A7", "A9", "A10", "B1")
    # the single statuses still work
    assert listed(as_leader, {"status": IssueStatus.SUBMITTED}) == sep("A10")
    assert listed(as_leader, {"status": IssueStatus.CLOSED}) == sep("A1", "A2", "A3", "A5", "A5b", "A8")


def test_closed_month(as_leader):
    assert listed(as_leader, {"closed_month": "2026-09"}) == sep("A1", "A2", "A3", "A5b")
    assert listed(as_leader, {"closed_month": "2026-10"}) == sep("A5")
    assert listed(as_leader, {"closed_month": "2026-07"}) == set()


@pytest.mark.parametrize("value", ["2026-13", "2026-9", "九月"])
def test_closed_and_withdrawn_month_reject_a_bad_month_in_chinese(as_leader, value):
    for name in ("closed_month", "withdrawn_month"):
        response = as_leader.get(LEDGER, {name: value})
        assert response.context["filter"].form.errors[name] == ["请按“年-月”格式选择月份，例如 2026-11。"]
        assert "请按“年-月”格式选择月份" in response.content.decode()
        assert f'value="{value}"' in response.content.decode()  # what was typed is kept


def test_month_bounds_are_local_shanghai_time(as_leader, september):  # noqa: F811
    w = september.world
    # 00:30 on 1 October in Shanghai is still 30 September in UTC.
    just_after = timezone.make_aware(dt.datetime(2026, 10, 1, 0, 30))
    just_before = timezone.make_aware(dt.datetime(2026, 9, 30, 23, 30))
    for code, moment in (("EDGE-OCT", just_after), ("EDGE-SEP", just_before)):
        IssueFactory(
            project=w.project,
            code=code,
            handed_off_at=moment - dt.timedelta(days=5),
            status=IssueStatus.CLOSED,
            submitted_at=moment,
            closed_at=moment,
            sign_deadline=dt.date(2026, 9, 20),
            rectification_deadline=dt.date(2026, 9, 30),
        )
    assert "EDGE-OCT" in listed(as_leader, {"closed_month": "2026-10"})
    assert "EDGE-SEP" in listed(as_leader, {"closed_month": "2026-09"})
    # Submitted at 00:30 the day after the deadline (local): late, though the UTC date is the deadline.
    assert "EDGE-OCT" in listed(as_leader, {"on_time": "0"})
    assert "EDGE-SEP" in listed(as_leader, {"on_time": "1"})


def test_on_time_follows_the_figures_definition(as_leader):
    # A2 was submitted after its deadline; A5/A5b were submitted before their extended deadlines;
    # A8 closed in August on time. Open issues are neither on time nor late.
    assert listed(as_leader, {"on_time": "1"}) == sep("A1", "A3", "A5", "A5b", "A8")
    assert listed(as_leader, {"on_time": "0"}) == sep("A2")
    assert listed(as_leader, {"closed_month": "2026-09", "on_time": "1"}) == sep("A1", "A3", "A5b")


def test_on_time_uses_the_close_when_no_submission_is_recorded(as_leader, september):  # noqa: F811
    w = september.world
    close = timezone.make_aware(dt.datetime(2026, 9, 18, 10))
    for code, deadline in (("NOSUB-OK", dt.date(2026, 9, 18)), ("NOSUB-LATE", dt.date(2026, 9, 17))):
        IssueFactory(
            project=w.project,
            code=code,
            handed_off_at=close - dt.timedelta(days=20),
            status=IssueStatus.CLOSED,
            submitted_at=None,
            closed_at=close,
            sign_deadline=dt.date(2026, 9, 1),
            rectification_deadline=deadline,
        )
    assert {"NOSUB-OK"} == listed(as_leader, {"on_time": "1"}) & {"NOSUB-OK", "NOSUB-LATE"}
    assert {"NOSUB-LATE"} == listed(as_leader, {"on_time": "0"}) & {"NOSUB-OK", "NOSUB-LATE"}


def test_withdrawn_and_withdrawn_month(as_leader):
    everything = listed(as_leader, {})
    assert listed(as_leader, {"withdrawn": "0"}) == everything - sep("A4")
    assert listed(as_leader, {"withdrawn": "1"}) == sep("A4")
    assert listed(as_leader, {"withdrawn_month": "2026-09"}) == sep("A4")
    assert listed(as_leader, {"withdrawn_month": "2026-08"}) == set()


def test_returned(as_leader):
    assert listed(as_leader, {"returned": "1"}) == sep("A3")
    assert listed(as_leader, {"returned": "0"}) == listed(as_leader, {}) - sep("A3")


def test_group(as_leader, september):  # noqa: F811
    w = september.world
    assert listed(as_leader, {"group": w.other_group.pk}) == sep("B1")
    assert listed(as_leader, {"group": w.group.pk}) == listed(as_leader, {}) - sep("B1")


def test_group_choices_are_only_the_users_groups(client, september):  # noqa: F811
    w = september.world
    client.force_login(w.inspector)
    response = client.get(LEDGER, {"group": w.other_group.pk})
    assert list(response.context["filter"].form.fields["group"].queryset) == [w.group]
    assert "group" in response.context["filter"].form.errors
    assert "SEP-B1" not in listed(client, {"group": w.other_group.pk})
    assert listed(client, {"group": w.group.pk}) == listed(client, {})


def test_active_filters_show_as_removable_chips(as_leader, september):  # noqa: F811
    w = september.world
    response = as_leader.get(LEDGER, {"status": "open", "returned": "1", "group": w.group.pk, "page": "1"})
    chips = {chip["name"]: chip for chip in response.context["chips"]}
    assert set(chips) == {"status", "returned", "group"}
    assert chips["status"]["value"].startswith("未办结") and chips["group"]["value"] == w.group.name
    assert "returned=1" not in chips["returned"]["remove_url"] and "status=open" in chips["returned"]["remove_url"]
    assert "page=" not in chips["returned"]["remove_url"]
    body = response.content.decode()
    assert 'data-chip="status"' in body and "状态：未办结" in body
    assert not as_leader.get(LEDGER).context["chips"]


def test_excel_button_exports_the_filtered_rows(as_leader):
    """生成导出 posts the ledger's filters; the job built from them holds exactly the filtered rows."""
    from reports.export_jobs import export_job_run

    response = as_leader.get(LEDGER, {"closed_month": "2026-09", "on_time": "1"})
    form = re.search(r'<form[^>]*data-export="ledger-xlsx".*?</form>', response.content.decode(), re.S)[0]
    assert f'action="{reverse("reports:export_create")}"' in form
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form)}
    assert fields["kind"] == "ledger_xlsx" and "on_time=1" in fields["query"]
    created = as_leader.post(reverse("reports:export_create"), fields)
    assert created.status_code == 302 and "/exports/" in created.url
    job_id = int(created.url.rstrip("/").rsplit("/", 1)[1])
    export_job_run(job_id=job_id)
    download = as_leader.get(reverse("reports:export_download", kwargs={"pk": job_id}))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    titles = {row[1].split("：")[0] for row in workbook.active.iter_rows(min_row=3, values_only=True)}
    assert titles == {"九月问题A1", "九月问题A3", "九月问题A5b"}


# --- every dashboard and summary link --------------------------------------------------------

_ANCHOR = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def _ledger_anchors(body: str) -> list[tuple[str, str]]:
    """(url, visible text) of every filtered link to the ledger in the page (not the menu's)."""
    anchors = []
    for href, inner in _ANCHOR.findall(body):
        url = html.unescape(href)
        if urlsplit(url).path == LEDGER and urlsplit(url).query:
            anchors.append((url, " ".join(_TAGS.sub(" ", inner).split())))
    return anchors


def _chart_urls(body: str) -> list[str]:
    """Every *url of the charts' JSON (the chart bars and slices open the ledger on click)."""
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', body, re.S)
    urls: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("url") and isinstance(value, str) and value:
                    urls.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(found[1]) if found else {})
    return urls


def _expect(expected: dict[str, int], url: str, count: int) -> None:
    if not url:
        return
    # The same link may sit beside two figures (a red card and a red slice): they must agree.
    assert expected.setdefault(url, count) == count, url


def _dashboard_expected(figures: dict) -> dict[str, int]:
    expected: dict[str, int] = {}
    cards = figures["cards"]
    for key, figure in (
        ("open", "open"),
        ("red", "red"),
        ("yellow", "yellow"),
        ("closed", "closed"),
        ("on_time", "closed_on_time"),
    ):
        _expect(expected, cards["links"][key], cards[figure])
    for point in figures["trend"]:
        _expect(expected, point["handed_off_url"], point["handed_off"])
        _expect(expected, point["closed_url"], point["closed"])
    for row in figures["lights"]:
        _expect(expected, row["url"], row["count"])
    for row in figures["by_category"]:
        _expect(expected, row["url"], row["count"])
    for row in figures["by_project"]:
        _expect(expected, row["url"], row["count"])
        _expect(expected, row["red_url"], row["red"])
    _ranking_expected(expected, figures["ranking"])
    return expected


def _ranking_expected(expected: dict[str, int], ranking: dict | None) -> None:
    """Each 红黑榜 row: its closures of the month, the reworked among them, its red issues (live)."""
    for row in (ranking or {}).get("rows", []):
        _expect(expected, row["closed_url"], row["closed"])
        _expect(expected, row["reworked_url"], row["reworked"])
        _expect(expected, row["overdue_url"], row["overdue"])


def _summary_expected(figures: dict) -> dict[str, int]:
    expected: dict[str, int] = {}
    core = figures["core"]
    for key in ("handed_off", "closed", "closed_on_time", "withdrawn", "overdue"):
        _expect(expected, core["links"][key], core[key])
    for row in [*figures["departments"], *figures["projects"]]:
        for key in ("handed_off", "closed", "overdue"):
            _expect(expected, row.get(f"{key}_url", ""), row[key])
    _ranking_expected(expected, figures.get("ranking"))
    return expected


def _follow(client, body: str, expected: dict[str, int], urls: list[str]) -> int:
    """Every ledger link of the page is a known figure's link, the number shown beside it is that
    figure, and the ledger behind it lists exactly that many rows."""
    anchors = _ledger_anchors(body)
    rendered = {url for url, _text in anchors} | set(urls)
    assert rendered, "the page renders no ledger link"
    assert rendered <= set(expected), rendered - set(expected)
    numbers_shown = 0
    for url, text in anchors:
        if re.search(r"\d", text) and "%" not in text:
            numbers_shown += 1
            assert re.search(rf"(?<![\d.]){expected[url]}(?![\d.])", text), (url, text, expected[url])
    for url in rendered:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.context["filter"].form.errors, (url, response.context["filter"].form.errors)
        assert response.context["page"].paginator.count == expected[url], url
    assert numbers_shown, "no number beside any ledger link was checked"
    return len(rendered)


@pytest.fixture
def this_month(september):  # noqa: F811
    """A few issues of the current month so the live summary has figures (and overdue links)."""
    w, now, today = september.world, timezone.now(), timezone.localdate()
    common = dict(
        project=w.project,
        lead_department=w.lead_department,
        handed_off_at=now,
        sign_deadline=today - dt.timedelta(days=12),
    )
    IssueFactory(
        code="NOW-1",
        status=IssueStatus.CLOSED,
        submitted_at=now,
        closed_at=now,
        rectification_deadline=today - dt.timedelta(days=1),
        **common,
    )
    IssueFactory(
        code="NOW-2",
        status=IssueStatus.CLOSED,
        submitted_at=now,
        closed_at=now,
        rectification_deadline=today + dt.timedelta(days=10),
        **common,
    )
    IssueFactory(
        code="NOW-3",
        status=IssueStatus.WITHDRAWN,
        withdrawn_at=now,
        rectification_deadline=today + dt.timedelta(days=10),
        **common,
    )
    IssueFactory(
        code="NOW-4",
        status=IssueStatus.IN_PROGRESS,
        return_count=1,
        rectification_deadline=today - dt.timedelta(days=3),
        **common,
    )
    IssueFactory(
        code="NOW-5",
        status=IssueStatus.HANDED_OFF,
        rectification_deadline=today + dt.timedelta(days=1),
        **{**common, "project": w.other_project, "lead_department": w.other_department},
    )
    return september


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_every_dashboard_link_lists_the_rows_its_figure_counts(client, this_month, who):
    client.force_login(getattr(this_month.world, who))
    response = client.get(reverse("reports:dashboard"))
    body = response.content.decode()
    expected = _dashboard_expected(response.context["figures"])
    followed = _follow(client, body, expected, _chart_urls(body))
    assert followed >= 20  # cards, 12 months × 2, lights, categories, projects, ranking


@pytest.mark.parametrize("who", ["leader", "inspector"])
@pytest.mark.parametrize("month", [str(SEPTEMBER), "current"])
def test_every_summary_link_lists_the_rows_its_figure_counts(client, this_month, who, month):
    user = getattr(this_month.world, who)
    client.force_login(user)
    month = f"{timezone.localdate():%Y-%m}" if month == "current" else month
    page = reverse("reports:summary", kwargs={"month": month})
    scopes = [scope.key for scope in client.get(page).context["scopes"]]
    assert len(scopes) == (3 if who == "leader" else 1)  # the city and both groups / the inspector's group
    for scope in scopes:
        response = client.get(page, {"scope": scope})
        figures = response.context["figures"]
        expected = _summary_expected(figures)
        assert _follow(client, response.content.decode(), expected, []) >= 3, scope
        if figures["live"] and figures["core"]["overdue"]:
            assert figures["core"]["links"]["overdue"] in expected
