"""Admin pages for dispatch meetings, their decisions, meeting rules and monthly summaries."""

from django.contrib import admin

from core.admin import NoDeleteAdmin, NoDeleteTabularInline
from dispatch.models import Decision, DispatchMeeting, MeetingRule, MonthlySummary


class DecisionInline(NoDeleteTabularInline):
    model = Decision
    extra = 0
    raw_id_fields = ["issue"]


@admin.register(DispatchMeeting)
class DispatchMeetingAdmin(NoDeleteAdmin):
    list_display = ["title", "group", "month", "starts_at", "place", "status"]
    list_filter = ["status", "group"]
    search_fields = ["title", "minutes"]
    filter_horizontal = ["attendees", "attending_departments"]
    inlines = [DecisionInline]


@admin.register(MeetingRule)
class MeetingRuleAdmin(NoDeleteAdmin):
    list_display = ["group", "kind", "day_of_month", "weekday", "time", "place", "is_active"]


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(NoDeleteAdmin):
    list_display = ["month", "scope_key", "frozen_at"]
    readonly_fields = ["month", "scope_key", "figures", "narrative", "frozen_at"]

    def has_change_permission(self, request, obj=None):
        return False  # frozen figures never change after they were read out
