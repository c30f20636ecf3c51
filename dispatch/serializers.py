"""API shapes of dispatch meetings (with decisions) and of the monthly summary."""

from __future__ import annotations

from rest_framework import serializers

from dispatch.models import Decision, DispatchMeeting
from projects.serializers import DepartmentRefSerializer, UserRefSerializer


class DecisionSerializer(serializers.ModelSerializer):
    responsible_department = DepartmentRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "text", "responsible_department", "due_on", "issue", "is_done", "created_at"]


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeetingSerializer(serializers.ModelSerializer):
    group = GroupRefSerializer(read_only=True)
    attendees = UserRefSerializer(many=True, read_only=True)
    attending_departments = DepartmentRefSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    agenda_snapshot = serializers.JSONField(read_only=True, help_text="议程快照 / agenda snapshot")

    class Meta:
        model = DispatchMeeting
        fields = [
            "id",
            "group",
            "month",
            "title",
            "starts_at",
            "place",
            "status",
            "attendees",
            "attending_departments",
            "agenda_snapshot",
            "focus_next_month",
            "minutes",
            "version",
            "decisions",
        ]
