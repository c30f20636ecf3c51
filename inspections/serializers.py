"""API shapes of site visits with their findings."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from core.api import JsonBooleanField, JsonCharField, JsonDecimalField, JsonPrimaryKeyRelatedField
from inspections.models import Finding, FindingKind, SiteVisit, VisitAttachment, VisitMethod
from projects.models import Project
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
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "download_url"]

    def get_download_url(self, attachment) -> str:
        """The API's download, which takes the caller's token as the rest of the API does."""
        return reverse("attachment-file", args=[attachment.pk])


class SiteVisitSerializer(serializers.ModelSerializer):
    methods = serializers.SerializerMethodField()
    inspectors = UserRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    attachments = VisitAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = SiteVisit
        fields = [
            "id",
            "project",
            "visited_on",
            "place",
            "methods",
            "inspectors",
            "participants",
            "summary",
            "latitude",
            "longitude",
            "is_recheck",
            "created_by",
            "created_at",
            "version",
            "findings",
            "attachments",
        ]

    def get_methods(self, visit) -> list[str]:
        return [method.value for method in visit.methods]


class FindingInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices, help_text="诉求/难点/堵点/期盼点 / finding kind")
    text = JsonCharField()


class SiteVisitCreateSerializer(serializers.Serializer):
    """记录督导检查 input (JSON; photos and files are added on the web page)."""

    project = JsonPrimaryKeyRelatedField(queryset=Project.objects.none(), help_text="项目 id / project id")
    visited_on = serializers.DateField()
    place = JsonCharField(max_length=200)
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitMethod.choices),
        min_length=1,
        max_length=3,
        help_text="forum 座谈交流 / documents 查阅文件 / onsite 实地察看",
    )
    summary = JsonCharField()
    participants = JsonCharField(required=False, allow_blank=True, default="")
    is_recheck = JsonBooleanField(required=False, default=False, help_text="回头看 / re-check visit")
    latitude = JsonDecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = JsonDecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    findings = FindingInputSerializer(many=True, required=False, default=list)

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["project"].queryset = projects
