"""API shapes of site visits with their findings."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api import JsonBooleanField, JsonCharField, JsonDecimalField, JsonPrimaryKeyRelatedField
from core.files import MAX_FILES_PER_UPLOAD
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
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "download_url", "device_index"]
        extra_kwargs = {
            "device_index": {
                "help_text": "离线草稿中的照片序号（从 0 起），网页上传的为 null / photo index in the offline draft"
            }
        }

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
            "device_id",
            "device_photo_count",
        ]
        extra_kwargs = {
            "device_id": {
                "help_text": "离线草稿编号（设备生成的 UUID），网页记录的为 null / the offline draft's device id"
            },
            "device_photo_count": {"help_text": "离线草稿的照片数 / number of photos the offline draft holds"},
        }

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
    device_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="离线草稿编号：设备为草稿生成的 UUID。同一用户用同一编号再次提交相同内容，返回第一次创建的记录（200），"
        "内容不同则 409。/ The id the device made for an offline draft: the same user sending the same draft again "
        "gets the visit the first send made (200); different content under the same id is a 409.",
    )
    photo_count = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=MAX_FILES_PER_UPLOAD,
        help_text="草稿的照片数，照片随后逐张 PUT 到 /visits/{id}/photos/{index}/（仅与 device_id 一起使用）"
        "/ how many photos the draft holds; each is then PUT to /visits/{id}/photos/{index}/ (with device_id only)",
    )

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["project"].queryset = projects
        # The one refusal an offline draft meets when its author's authorization ended meanwhile.
        self.fields["project"].error_messages["does_not_exist"] = _(
            "您已不能为该项目记录督导检查（项目不存在，或您的督导授权已到期、被撤销）。"
        )

    def validate(self, attrs):
        if attrs.get("photo_count") and attrs.get("device_id") is None:
            raise serializers.ValidationError({"photo_count": [_("只有离线草稿（带 device_id）可以声明照片数。")]})
        return attrs


class VisitPhotoInputSerializer(serializers.Serializer):
    """离线草稿照片：一次一张，multipart 的 file 字段。/ One photo of an offline draft, multipart field `file`."""

    file = serializers.FileField(help_text="jpg / png / webp")
