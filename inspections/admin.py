"""Admin pages for site visits, their findings and attachments."""

from django.contrib import admin

from core.admin import NoDeleteTabularInline
from inspections.models import Finding, SiteVisit, VisitAttachment


class FindingInline(NoDeleteTabularInline):
    model = Finding
    extra = 0


class VisitAttachmentInline(admin.TabularInline):
    model = VisitAttachment
    extra = 0
    readonly_fields = ["file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    can_delete = False


@admin.register(SiteVisit)
class SiteVisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "project", "place", "method_forum", "method_documents", "method_onsite", "created_by"]
    list_filter = ["project", "method_forum", "method_documents", "method_onsite", "is_recheck", "is_archived"]
    search_fields = ["place", "summary", "participants"]
    date_hierarchy = "visited_on"
    list_select_related = ["project", "created_by"]
    filter_horizontal = ["inspectors"]
    inlines = [FindingInline, VisitAttachmentInline]

    def has_delete_permission(self, request, obj=None):
        return False  # nothing a user wrote is hard-deleted: archive instead


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["visit", "kind", "text"]
    list_filter = ["kind"]
    search_fields = ["text"]
    list_select_related = ["visit"]

    def has_delete_permission(self, request, obj=None):
        return False
