"""Admin pages for issues and their events, progress updates, extensions, instructions and case records."""

from django.contrib import admin
from django.db.models import F

from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from issues.models import (
    EvidenceFile,
    EvidenceReview,
    ExtensionRequest,
    Instruction,
    Issue,
    IssueEvent,
    IssueRecheck,
    ProgressUpdate,
    RecheckPhoto,
)

# Every workflow record is read-only here (core.admin.ReadOnlyAdmin): the services write them.


class IssueEventInline(ReadOnlyTabularInline):
    model = IssueEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "note"]


class ProgressUpdateInline(ReadOnlyTabularInline):
    model = ProgressUpdate
    fields = ["created_at", "author", "department", "percent", "text"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    """Status and deadlines change only through the workflow (issues.services), never here."""

    list_display = ["code", "title", "project", "lead_department", "status", "rectification_deadline", "handed_off_at"]
    list_filter = ["status", "category", "severity", "project", "lead_department"]
    search_fields = ["code", "title", "description"]
    list_select_related = ["project", "lead_department"]
    date_hierarchy = "handed_off_at"
    readonly_fields = [
        "code",
        "status",
        "version",
        "signed_at",
        "submitted_at",
        "closed_at",
        "withdrawn_at",
        "return_count",
        "handed_off_by",
        "handed_off_at",
        "sign_deadline",
        "rectification_deadline",
        "progress_percent",
    ]
    filter_horizontal = ["assisting_departments"]
    inlines = [IssueEventInline, ProgressUpdateInline]

    def has_add_permission(self, request):
        return False  # hand-offs go through the workflow so they get deadlines, events and notices

    def save_model(self, request, obj, form, change):
        # An edit here is a change to the issue like any other: its version counts up, so a client
        # holding the old one is told (expected_version) and no cached row of it is served again
        # (issues.api._rows_by_id).
        obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "issue", "actor", "action", "from_status", "to_status"]
    list_filter = ["action"]
    search_fields = ["issue__code", "note"]
    list_select_related = ["issue", "actor"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["issue", "requested_deadline", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["issue", "requested_by", "decided_by"]


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    list_display = ["issue", "leader", "created_at"]
    list_select_related = ["issue", "leader"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["issue", "department", "author", "percent", "created_at"]
    list_select_related = ["issue", "department", "author"]
    search_fields = ["issue__code", "text"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "update", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["update__issue", "uploaded_by"]


@admin.register(EvidenceReview)
class EvidenceReviewAdmin(ReadOnlyAdmin):
    list_display = ["evidence", "verdict", "reviewer", "created_at"]
    list_filter = ["verdict"]
    list_select_related = ["evidence", "reviewer"]


@admin.register(IssueRecheck)
class IssueRecheckAdmin(ReadOnlyAdmin):
    list_display = ["issue", "visit", "result", "recorded_by", "recorded_at"]
    list_filter = ["result"]
    list_select_related = ["issue", "visit", "recorded_by"]


@admin.register(RecheckPhoto)
class RecheckPhotoAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "recheck", "uploaded_by", "uploaded_at"]
    list_select_related = ["recheck__issue", "uploaded_by"]
