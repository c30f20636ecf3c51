"""Every old case record (issues.CaseRecord) becomes a clue, so the campaign figures are counted
from clues alone and read exactly as before.

One record → one clue from its issue, 受理 on its opened_on; 立案审查 and 已办结 records are cases
filed on the same day (the old table kept no filing day), 已办结 ones concluded on concluded_on.
The old table counted people, not persons: each record gets `people_involved` persons concerned,
named as such; the first `people_sanctioned` of them carry an unclassified 党纪政务处分 decided on
concluded_on (the old table never said which kind, so they count in 党纪政务处分 but in neither
党纪处分 nor 政务处分); a notified record is exposed on notified_on naming its first
`notified_people` persons. Every old value is kept in the clue's first event. The old table is
left in place, untouched.

A record the clues cannot hold without changing a figure (a notice of several cases at once, or
naming more people than were involved) stops the migration with its id rather than alter a
figure a commission has already reported.
"""

from django.db import migrations

LEAD, INVESTIGATING, CONCLUDED = "lead", "investigating", "concluded"


def forwards(apps, schema_editor):
    CaseRecord = apps.get_model("issues", "CaseRecord")
    Clue = apps.get_model("clues", "Clue")
    ClueSubject = apps.get_model("clues", "ClueSubject")
    ClueEvent = apps.get_model("clues", "ClueEvent")
    records = list(CaseRecord.objects.select_related("issue").order_by("pk"))
    refused = [
        record.pk
        for record in records
        if record.publicly_notified
        and (record.notified_cases != 1 or record.notified_people > record.people_involved)
    ]
    if refused:
        raise RuntimeError(
            "issues.CaseRecord rows %s notify several cases at once or more people than involved: "
            "split them into one record per case in the admin before migrating." % refused
        )
    for record in records:
        filed = record.stage in (INVESTIGATING, CONCLUDED)
        status = {LEAD: "handed_over", INVESTIGATING: "case", CONCLUDED: "concluded"}.get(record.stage, "handed_over")
        clue = Clue.objects.create(
            project_id=record.issue.project_id,
            source="issue",
            issue_id=record.issue_id,
            title=record.title,
            description=record.title,
            status=status,
            received_on=record.opened_on,
            disposed_on=record.opened_on if filed else None,
            filed_on=record.opened_on if filed else None,
            concluded_on=record.concluded_on if record.stage == CONCLUDED else None,
            exposed_on=record.notified_on if record.publicly_notified else None,
            created_by_id=record.recorded_by_id,
            created_at=record.created_at,
            updated_at=record.created_at,
        )
        named = record.notified_people if record.publicly_notified else 0
        ClueSubject.objects.bulk_create(
            [
                ClueSubject(
                    clue=clue,
                    name="涉及人员%d（原记录未登记姓名）" % (index + 1),
                    sanction_unclassified=index < record.people_sanctioned,
                    # the old figure counted a sanction on the record's concluded_on
                    decided_on=record.concluded_on if index < record.people_sanctioned else None,
                    exposed=index < named,
                    position=index,
                    created_at=record.created_at,
                )
                for index in range(record.people_involved)
            ]
        )
        ClueEvent.objects.create(
            clue=clue,
            actor_id=record.recorded_by_id,
            action="migrate",
            to_status=status,
            note="由原案件记录转入。",
            data={
                "version": 1,
                "case_record": {
                    "id": record.pk,
                    "issue": record.issue_id,
                    "title": record.title,
                    "opened_on": record.opened_on.isoformat(),
                    "stage": record.stage,
                    "people_involved": record.people_involved,
                    "people_sanctioned": record.people_sanctioned,
                    "concluded_on": record.concluded_on.isoformat() if record.concluded_on else None,
                    "publicly_notified": record.publicly_notified,
                    "notified_on": record.notified_on.isoformat() if record.notified_on else None,
                    "notified_cases": record.notified_cases,
                    "notified_people": record.notified_people,
                },
            },
            created_at=record.created_at,
        )


def backwards(apps, schema_editor):
    """The old rows are still there: drop the clues made from them (their events say which)."""
    Clue = apps.get_model("clues", "Clue")
    ClueSubject = apps.get_model("clues", "ClueSubject")
    ClueEvent = apps.get_model("clues", "ClueEvent")
    migrated = list(ClueEvent.objects.filter(action="migrate").values_list("clue_id", flat=True))
    ClueEvent.objects.filter(clue_id__in=migrated).delete()
    ClueSubject.objects.filter(clue_id__in=migrated).delete()
    Clue.objects.filter(pk__in=migrated).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clues", "0001_clues"),
        ("issues", "0005_issue_rechecks"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
