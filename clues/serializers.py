"""API shapes of clues (read-only): a list row, and the detail with the people concerned, the
timeline and the steps the caller may take now."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import DepartmentRefSerializer, UserRefSerializer
from clues.models import Clue, ClueEvent, ClueSubject
from clues.rules import steps_for


class ProjectRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClueListSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="线索编号 / clue number")
    project = ProjectRefSerializer(read_only=True)
    subject_count = serializers.IntegerField(read_only=True, help_text="涉及人数 / people concerned")

    class Meta:
        model = Clue
        fields = [
            "id",
            "code",
            "title",
            "project",
            "source",
            "issue",
            "finding",
            "status",
            "subject_count",
            "received_on",
            "filed_on",
            "concluded_on",
            "exposed_on",
            "version",
        ]


class ClueSubjectSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ClueSubject
        fields = [
            "id",
            "name",
            "post",
            "department",
            "supervision_form",
            "party_sanction",
            "government_sanction",
            "organizational_measure",
            "sanction_unclassified",
            "decided_on",
            "exposed",
        ]


class ClueEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True)

    class Meta:
        model = ClueEvent
        fields = ["id", "action", "actor", "from_status", "to_status", "note", "created_at"]


class ClueDetailSerializer(ClueListSerializer):
    subjects = ClueSubjectSerializer(many=True, read_only=True)
    events = ClueEventSerializer(many=True, read_only=True)
    allowed_steps = serializers.SerializerMethodField(
        help_text="调用者当前可执行的处置步骤 / steps the caller may take now"
    )
    created_by = UserRefSerializer(read_only=True)

    class Meta(ClueListSerializer.Meta):
        fields = [
            *ClueListSerializer.Meta.fields,
            "description",
            "handed_over_to",
            "verification_started_on",
            "verification_note",
            "disposed_on",
            "disposal_note",
            "exposure_note",
            "created_by",
            "created_at",
            "subjects",
            "events",
            "allowed_steps",
        ]

    def get_allowed_steps(self, clue: Clue) -> list[str]:
        return [step.action for step in steps_for(user=self.context["request"].user, clue=clue)]
