"""API shapes of issues, their progress updates and transitions.

Input serializers only parse and check shapes; every rule (who, which state, deadlines) is the
service's, so the web and the API can never disagree.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Department
from core.api import JsonBooleanField, JsonCharField, JsonIntegerField, JsonPrimaryKeyRelatedField
from core.text import reject_control_characters
from inspections.models import Finding, SiteVisit
from issues.models import (
    EvidenceFile,
    ExtensionRequest,
    Instruction,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
    Light,
    ProgressUpdate,
)
from issues.rules import IssueAction
from projects.models import Project
from projects.serializers import DepartmentRefSerializer, UserRefSerializer

TRANSITION_ACTIONS = (
    IssueAction.SIGN,
    IssueAction.SUBMIT,
    IssueAction.RETURN,
    IssueAction.CLOSE,
    IssueAction.WITHDRAW,
    IssueAction.EXTENSION_REQUEST,
    IssueAction.EXTENSION_DECIDE,
)
TRANSITION_ACTION_CHOICES = [(str(action), str(action)) for action in TRANSITION_ACTIONS]


class IssueListSerializer(serializers.Serializer):
    """One ledger row. The list endpoint builds these from values() (no model instances); this
    class documents the shape and is the reference the fast path is tested against."""

    id = serializers.IntegerField()
    code = serializers.CharField(help_text="编号 / public number")
    title = serializers.CharField()
    project = serializers.IntegerField(help_text="所属项目 id / project id")
    project_name = serializers.CharField()
    category = serializers.ChoiceField(choices=IssueCategory.choices)
    severity = serializers.ChoiceField(choices=IssueSeverity.choices)
    status = serializers.ChoiceField(choices=IssueStatus.choices)
    lead_department = DepartmentRefSerializer(help_text="责任单位 / lead department")
    handed_off_at = serializers.DateTimeField()
    sign_deadline = serializers.DateField()
    rectification_deadline = serializers.DateField()
    progress_percent = serializers.IntegerField(min_value=0, max_value=100)
    version = serializers.IntegerField(help_text="用于 expected_version 的版本号 / version for expected_version")
    light = serializers.ChoiceField(choices=Light.choices, help_text="红黄绿灯 / traffic light")
    is_overdue = serializers.BooleanField(help_text="是否逾期 / overdue")


class EventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True)

    class Meta:
        model = IssueEvent
        fields = ["id", "action", "actor", "from_status", "to_status", "note", "created_at"]


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "reason",
            "current_deadline",
            "requested_deadline",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class InstructionSerializer(serializers.ModelSerializer):
    leader = UserRefSerializer(read_only=True)

    class Meta:
        model = Instruction
        fields = ["id", "leader", "text", "created_at"]


class IssueDetailSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    lead_department = DepartmentRefSerializer(read_only=True)
    assisting_departments = DepartmentRefSerializer(many=True, read_only=True)
    handed_off_by = UserRefSerializer(read_only=True)
    light = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True)
    instructions = InstructionSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id",
            "code",
            "title",
            "description",
            "project",
            "project_name",
            "category",
            "severity",
            "status",
            "lead_department",
            "assisting_departments",
            "handed_off_by",
            "handed_off_at",
            "sign_deadline",
            "rectification_deadline",
            "signed_at",
            "submitted_at",
            "closed_at",
            "withdrawn_at",
            "return_count",
            "progress_percent",
            "version",
            "source_visit",
            "source_finding",
            "light",
            "is_overdue",
            "allowed_actions",
            "extension_requests",
            "instructions",
            "events",
        ]

    def get_light(self, issue) -> str:
        return issue.light().value

    def get_is_overdue(self, issue) -> bool:
        return issue.is_overdue()

    def get_allowed_actions(self, issue) -> list[str]:
        actions = self.context.get("allowed_actions")
        if actions is None:
            return []
        # Edit and instruction are web-only for now: list only what this API can perform.
        return sorted(str(action) for action in actions if str(action) not in WEB_ONLY_ACTIONS)


WEB_ONLY_ACTIONS = {"edit", "instruct"}


class IssueCreateSerializer(serializers.Serializer):
    """交办 input. Related objects are looked up within the caller's scope only."""

    project = JsonPrimaryKeyRelatedField(queryset=Project.objects.none(), help_text="所属项目 id / project id")
    title = JsonCharField(max_length=200)
    description = JsonCharField()
    category = serializers.ChoiceField(choices=IssueCategory.choices)
    severity = serializers.ChoiceField(choices=IssueSeverity.choices, default=IssueSeverity.GENERAL)
    lead_department = JsonPrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True), help_text="责任单位 id / lead department id"
    )
    assisting_departments = JsonPrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True),
        many=True,
        required=False,
        default=list,
        help_text="协办单位 id 列表 / assisting department ids",
    )
    sign_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    rectification_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    source_visit = JsonPrimaryKeyRelatedField(
        queryset=SiteVisit.objects.none(), required=False, allow_null=True, default=None
    )
    source_finding = JsonPrimaryKeyRelatedField(
        queryset=Finding.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, projects=None, visits=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["project"].queryset = projects
            self.fields["source_visit"].queryset = visits
            self.fields["source_finding"].queryset = Finding.objects.filter(visit__in=visits)


class EvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "download_url"]

    def get_download_url(self, evidence) -> str:
        """The API's download, which takes the caller's token as the rest of the API does."""
        return reverse("evidence-file", args=[evidence.pk])


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "author", "department", "text", "percent", "created_at", "evidence"]


class ProgressCreateSerializer(serializers.Serializer):
    """multipart/form-data: text, percent and any number of `files` (jpg/png/webp/pdf/docx/xlsx)."""

    text = serializers.CharField(help_text="进展情况 / progress text", validators=[reject_control_characters])
    percent = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="完成进度（仅责任单位）/ percent done (lead department only)",
    )
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        help_text="佐证材料 / evidence files",
    )


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=TRANSITION_ACTION_CHOICES,
        help_text="sign 签收 / submit 提交核验 / return 退回 / close 销号 / withdraw 撤销 / "
        "extension_request 申请延期 / extension_decide 审批延期",
    )
    note = JsonCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="说明；submit、return、withdraw、extension_request 必填（理由）/ note or reason",
    )
    expected_version = JsonIntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="客户端看到的版本；不一致返回 409 / the version the client saw; stale answers 409",
    )
    requested_deadline = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="extension_request：申请延至 / requested deadline"
    )
    approve = JsonBooleanField(
        required=False, allow_null=True, default=None, help_text="extension_decide：是否同意 / approve or deny"
    )
    extension_id = JsonIntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="extension_decide：延期申请 id，缺省为待审批的那条 / extension request id",
    )

    def validate(self, attrs):
        action = attrs["action"]
        if action == IssueAction.EXTENSION_REQUEST and attrs.get("requested_deadline") is None:
            raise serializers.ValidationError({"requested_deadline": [_("请填写申请延至的日期。")]})
        if action == IssueAction.EXTENSION_DECIDE and attrs.get("approve") is None:
            raise serializers.ValidationError({"approve": [_("请选择同意或不同意。")]})
        return attrs


class AllowedActionsSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IssueStatus.choices)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=TRANSITION_ACTION_CHOICES),
        help_text="当前用户现在可执行的流转 / transitions the caller may take now",
    )


def localtime_or_none(value):
    return timezone.localtime(value) if value is not None else None
