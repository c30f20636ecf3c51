from django.contrib import admin

from dispatch.models import Decision, DispatchMeeting, MeetingRule, MonthlySummary


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    raw_id_fields = ["issue"]


@admin.register(DispatchMeeting)
class DispatchMeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "month", "starts_at", "place", "status"]
    list_filter = ["status", "group"]
    search_fields = ["title", "minutes"]
    filter_horizontal = ["attendees", "attending_departments"]
    inlines = [DecisionInline]


@admin.register(MeetingRule)
class MeetingRuleAdmin(admin.ModelAdmin):
    list_display = ["group", "kind", "day_of_month", "weekday", "time", "place", "is_active"]


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(admin.ModelAdmin):
    list_display = ["month", "scope_key", "frozen_at"]
    readonly_fields = ["month", "scope_key", "figures", "narrative", "frozen_at"]

    def has_change_permission(self, request, obj=None):
        return False  # frozen figures never change after they were read out
