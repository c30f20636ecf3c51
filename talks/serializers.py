"""API shapes of talks with their commitments."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import DepartmentRefSerializer, UserRefSerializer
from issues.models import Issue
from talks.models import Commitment, Talk


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "text", "working_days", "due_on", "status", "fulfilled_on", "fulfilment_note"]


class TalkIssueRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issue
        fields = ["id", "code", "title"]


class TalkGroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TalkSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)
    group = TalkGroupRefSerializer(read_only=True, allow_null=True)
    led_by = UserRefSerializer(read_only=True)
    issues = TalkIssueRefSerializer(
        many=True, read_only=True, help_text="调用者可查看的相关问题 / linked issues the caller may read"
    )
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = Talk
        fields = [
            "id",
            "kind",
            "held_on",
            "place",
            "department",
            "group",
            "interviewee_name",
            "interviewee_post",
            "led_by",
            "reason",
            "issues",
            "ranking_month",
            "ranking_list",
            "ranking_reason",
            "agreed",
            "commitments",
            "created_at",
        ]
