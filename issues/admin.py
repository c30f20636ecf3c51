"""Admin pages for issues and their events, progress updates, extensions, instructions and case records."""

from django.contrib import admin

from core.admin import NoDeleteAdmin
from issues.models import CaseRecord, EvidenceFile, ExtensionRequest, Instruction, Issue, IssueEvent, ProgressUpdate


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IssueEventInline(ReadOnlyInline):
    model = IssueEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "note"]


class ProgressUpdateInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ["created_at", "author", "department", "percent", "text"]


class CaseRecordInline(admin.StackedInline):
    model = CaseRecord
    extra = 0
    can_delete = False


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
    inlines = [IssueEventInline, ProgressUpdateInline, CaseRecordInline]

    def has_add_permission(self, request):
        return False  # hand-offs go through the workflow so they get deadlines, events and notices

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueEvent)
class IssueEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "issue", "actor", "action", "from_status", "to_status"]
    list_filter = ["action"]
    search_fields = ["issue__code", "note"]
    list_select_related = ["issue", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["issue", "requested_deadline", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["issue", "requested_by", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Instruction)
class InstructionAdmin(admin.ModelAdmin):
    list_display = ["issue", "leader", "created_at"]
    list_select_related = ["issue", "leader"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseRecord)
class CaseRecordAdmin(NoDeleteAdmin):
    list_display = ["title", "issue", "stage", "people_involved", "people_sanctioned", "publicly_notified"]
    list_filter = ["stage", "publicly_notified"]
    search_fields = ["title", "issue__code"]
    list_select_related = ["issue"]


admin.site.register(EvidenceFile, NoDeleteAdmin)
