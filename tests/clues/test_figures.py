"""The campaign figures counted from clue records, for a month and cumulatively, each step
moving exactly its figure; and the old case records migrated into clues read the same figures."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from clues import services
from clues.figures import CAMPAIGN_FIGURES, CAMPAIGN_KEYS, campaign_counts
from clues.models import Clue, ClueEvent
from core.months import Month
from issues.models import CaseRecord
from reports.figures import ReportScope, monthly_figures
from tests.factories import make_clue

CITY = ReportScope(key="all", label="全市")


def counts(month: Month):
    return campaign_counts(clues=Clue.objects.all(), first_day=month.first_day, last_day=month.last_day)


def test_each_step_moves_its_figure_in_its_month_and_cumulatively(world, issue):
    d = dt.date
    clue = services.clue_register(
        actor=world.inspector,
        issue=issue,
        title="线索",
        description="内容",
        subjects=[{"name": "甲某"}, {"name": "乙某"}, {"name": "丙某"}],
    )
    october, november = Month(2026, 10), Month(2026, 11)
    assert counts(october)["to_date"]["cases"] == 0 and counts(november)["to_date"]["cases"] == 0
    services.clue_hand_over(clue=clue, actor=world.group_lead, received_on=d(2026, 10, 9))
    services.clue_start_verification(clue=clue, actor=world.inspector, note="核实。", on=d(2026, 10, 12))
    services.clue_dispose(clue=clue, actor=world.leader, disposal="file_case", note="立案。", on=d(2026, 10, 30))
    first, second, third = clue.subjects.all()
    outcome = dict(clue=clue, actor=world.leader, decided_on=d(2026, 11, 5))
    services.clue_record_outcome(subject=first, supervision_form="2", party_sanction="warning", **outcome)
    services.clue_record_outcome(
        subject=second,
        supervision_form="3",
        party_sanction="probation",
        government_sanction="dismissal_from_post",
        organizational_measure="removal",
        **outcome,
    )
    services.clue_record_outcome(subject=third, supervision_form="1", **outcome)
    services.clue_conclude(clue=clue, actor=world.leader, note="终结。", on=d(2026, 11, 6))
    services.clue_expose(
        clue=clue, actor=world.leader, exposed_on=d(2026, 11, 10), named=[first, second], note="通报。"
    )
    # a second clue, received in November, still being verified
    make_clue(issue=issue, received_on=d(2026, 11, 2), people=1, created_by=world.inspector)

    oct_, nov = counts(october), counts(november)
    assert oct_["month"] == {**dict.fromkeys(CAMPAIGN_KEYS, 0), "cases": 1, "people": 3, "filed": 1}
    assert oct_["to_date"] == oct_["month"]
    assert nov["month"] == {
        **dict.fromkeys(CAMPAIGN_KEYS, 0),
        "cases": 1,
        "people": 1,
        "sanctioned": 2,  # the one given both kinds counts once
        "party": 2,
        "government": 1,
        "organizational": 1,
        "form_1": 1,
        "form_2": 1,
        "form_3": 1,
        "notified_cases": 1,
        "notified_people": 2,
    }
    assert nov["to_date"] == {**nov["month"], "cases": 2, "people": 4, "filed": 1}
    # the report's figures are these, scoped: group B's projects have none of them
    assert monthly_figures(month=november, scope=CITY)["campaign"] == nov
    other = ReportScope(key="g", label="B", group_id=world.other_group.pk)
    assert monthly_figures(month=november, scope=other)["campaign"]["to_date"] == dict.fromkeys(CAMPAIGN_KEYS, 0)


def test_a_registered_clue_not_yet_handed_over_is_not_counted(world, issue):
    make_clue(issue=issue, people=2, created_by=world.inspector)
    assert counts(Month.of(dt.date.today()))["to_date"] == dict.fromkeys(CAMPAIGN_KEYS, 0)


def test_one_name_per_figure(world):
    labels = [str(label) for _key, label in CAMPAIGN_FIGURES]
    assert len(set(labels)) == len(labels)
    assert "受理问题线索（件）" in labels and "立案（件）" in labels and "通报曝光典型问题（起）" in labels
    assert not any("查处" in label or label == "受理线索" for label in labels)


# --- the data migration ----------------------------------------------------------------------------


def _old_figures(month: Month) -> dict:
    """The old reports/figures.py definitions, over the old table, for the figures it had."""
    first, last = month.first_day, month.last_day
    records = list(CaseRecord.objects.all())

    def total(attr, day_attr, start, only_notified=False):
        return sum(
            getattr(r, attr) if attr else 1
            for r in records
            if getattr(r, day_attr) is not None
            and (start is None or getattr(r, day_attr) >= start)
            and getattr(r, day_attr) <= last
            and (r.publicly_notified or not only_notified)
        )

    result = {}
    for period, start in (("month", first), ("to_date", None)):
        result[period] = {
            "cases": total(None, "opened_on", start),
            "people": total("people_involved", "opened_on", start),
            "sanctioned": total("people_sanctioned", "concluded_on", start),
            "notified_cases": total("notified_cases", "notified_on", start, only_notified=True),
            "notified_people": total("notified_people", "notified_on", start, only_notified=True),
        }
    return result


def test_the_migration_keeps_every_figure_the_case_records_gave(world, issue):
    d = dt.date
    other_issue = world.hand_off(
        actor=world.other_inspector,
        project=world.other_project,
        lead_department=world.other_department,
        assisting_departments=[],
    )
    common = dict(recorded_by=world.inspector)
    CaseRecord.objects.create(
        issue=issue,
        title="已办结并通报",
        opened_on=d(2026, 9, 10),
        stage="concluded",
        people_involved=3,
        people_sanctioned=2,
        concluded_on=d(2026, 9, 25),
        publicly_notified=True,
        notified_on=d(2026, 10, 2),
        notified_cases=1,
        notified_people=2,
        **common,
    )
    CaseRecord.objects.create(
        issue=other_issue,
        title="已办结",
        opened_on=d(2026, 8, 15),
        stage="concluded",
        people_involved=1,
        people_sanctioned=1,
        concluded_on=d(2026, 8, 30),
        **common,
    )
    CaseRecord.objects.create(
        issue=issue, title="立案审查中", opened_on=d(2026, 10, 6), stage="investigating", people_involved=5, **common
    )
    CaseRecord.objects.create(issue=issue, title="线索处置中", opened_on=d(2026, 10, 20), people_involved=0, **common)
    months = [Month(2026, m) for m in (8, 9, 10, 11)]
    before = {str(m): _old_figures(m) for m in months}

    migration = importlib.import_module("clues.migrations.0002_from_case_records")
    migration.forwards(apps, None)

    old_keys = ("cases", "people", "sanctioned", "notified_cases", "notified_people")
    for month in months:
        after = counts(month)
        assert {p: {k: after[p][k] for k in old_keys} for p in after} == before[str(month)], month
    assert Clue.objects.count() == CaseRecord.objects.count() == 4
    event = ClueEvent.objects.get(clue__title="已办结并通报")
    assert event.action == "migrate" and event.data["case_record"]["notified_people"] == 2  # nothing lost
    assert Clue.objects.get(title="立案审查中").filed_on == d(2026, 10, 6)
    # the group scope still follows the issue's project
    b = ReportScope(key="g", label="B", group_id=world.other_group.pk)
    assert monthly_figures(month=Month(2026, 8), scope=b)["campaign"]["month"]["sanctioned"] == 1

    migration.backwards(apps, None)
    assert not Clue.objects.exists() and CaseRecord.objects.count() == 4


def test_the_migration_refuses_a_record_it_cannot_hold_without_changing_a_figure(world, issue):
    CaseRecord.objects.create(
        issue=issue,
        title="一次通报多起",
        opened_on=dt.date(2026, 9, 1),
        stage="concluded",
        people_involved=2,
        concluded_on=dt.date(2026, 9, 2),
        publicly_notified=True,
        notified_on=dt.date(2026, 9, 3),
        notified_cases=3,
        notified_people=2,
        recorded_by=world.inspector,
    )
    migration = importlib.import_module("clues.migrations.0002_from_case_records")
    with pytest.raises(RuntimeError, match="split them"):
        migration.forwards(apps, None)
    assert not Clue.objects.exists()


def test_a_month_frozen_before_the_new_figures_shows_them_as_unsaid_not_zero():
    from clues.figures import campaign_rows
    from reports.narrative import _campaign_sentence

    old = {"cases": 2, "people": 3, "sanctioned": 1, "notified_cases": 0, "notified_people": 0}
    rows = {row["key"]: row for row in campaign_rows(month=old, to_date=old)}
    assert rows["cases"]["month"] == 2 and rows["filed"]["month"] is None and rows["form_1"]["to_date"] is None
    text = _campaign_sentence(old, opening="本月")
    assert text == "本月受理问题线索2件、涉及3人，给予党纪政务处分1人。"
