"""API shapes of site visits with their findings."""

from __future__ import annotations

from rest_framework import serializers

from inspections.models import Finding, SiteVisit, VisitAttachment
from projects.serializers import UserRefSerializer


class FindingSerializer(serializers.ModelSerializer):
    issue_id = serializers.SerializerMethodField(help_text="由此交办的问题 id / issue handed off from it")

    class Meta:
        model = Finding
        fields = ["id", "kind", "text", "position", "issue_id"]

    def get_issue_id(self, finding) -> int | None:
        issue = getattr(finding, "issue", None)
        return issue.pk if issue is not None else None


class VisitAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]


class SiteVisitSerializer(serializers.ModelSerializer):
    methods = serializers.SerializerMethodField()
    inspectors = UserRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    attachments = VisitAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = SiteVisit
        fields = [
            "id", "project", "visited_on", "place", "methods", "inspectors", "participants", "summary",
            "latitude", "longitude", "is_recheck", "created_by", "created_at", "version", "findings", "attachments",
        ]

    def get_methods(self, visit) -> list[str]:
        return [method.value for method in visit.methods]
