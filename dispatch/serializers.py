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


class SummaryScopeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="all 或 group-<id> / 'all' or 'group-<id>'")
    label = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="yyyy-mm")
    scope = SummaryScopeSerializer()
    available_scopes = SummaryScopeSerializer(many=True, help_text="当前用户可读的范围 / scopes the caller may read")
    live = serializers.BooleanField(help_text="本月为实时数据，已结束月份为冻结快照 / live (current month) or frozen")
    frozen_at = serializers.DateTimeField(allow_null=True)
    narrative = serializers.CharField(help_text="通报文字 / narrative text")
    figures = serializers.JSONField(help_text="月度数据（交办、销号、逾期、按单位、按项目……）/ the month's figures")
