from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.models import WorkdayOverride
from core.workdays import calendar_covers


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "official_calendar"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"

    @admin.display(description=_("官方日历是否覆盖"), boolean=True)
    def official_calendar(self, obj):
        # Outside the package's years only weekends count unless an admin adds the holidays here.
        return calendar_covers(obj.date)


class NoDeleteAdmin(admin.ModelAdmin):
    """Nothing a user wrote is hard-deleted: records are archived, withdrawn or corrected, and
    every change stays in the audit trail."""

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteTabularInline(admin.TabularInline):
    can_delete = False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoDeleteAdmin):
    """A workflow record (an issue's events, instructions, extension requests, evidence, progress,
    case records; a project's stages and factors): written only through its service, so it
    gets its deadlines, events and notices. The admin shows it and changes nothing — for nobody,
    superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(NoDeleteTabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyStackedInline(admin.StackedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
