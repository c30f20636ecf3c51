"""Admin pages of import batches: read-only (intake.services writes them; nothing is deleted)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from intake.models import ImportBatch, ImportBatchEvent, ImportLetter


class ImportBatchEventInline(ReadOnlyTabularInline):
    model = ImportBatchEvent
    fields = readonly_fields = ("created_at", "actor", "action", "from_status", "to_status", "note")


class ImportLetterInline(ReadOnlyTabularInline):
    model = ImportLetter
    fields = readonly_fields = ("department", "number", "issue_count")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "uploaded_by",
        "uploaded_at",
        "status",
        "row_count",
        "error_count",
        "handed_off_count",
    ]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    inlines = [ImportBatchEventInline, ImportLetterInline]
