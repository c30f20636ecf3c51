"""Admin for talks: read-only. Talks and their commitments are written only through
talks.services, so every write has its event row; the admin shows them and changes nothing."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from talks.models import Commitment, Talk, TalkEvent


class CommitmentInline(ReadOnlyTabularInline):
    model = Commitment
    fields = ["text", "working_days", "due_on", "status", "fulfilled_on", "fulfilled_by", "fulfilment_note"]


class TalkEventInline(ReadOnlyTabularInline):
    model = TalkEvent
    fields = ["created_at", "actor", "action", "commitment", "note"]
    readonly_fields = ["created_at"]  # set when the event is written, never a form field


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "kind", "department", "interviewee_name", "interviewee_post", "led_by", "ranking_list"]
    list_filter = ["kind", "ranking_list", "group"]
    search_fields = ["interviewee_name", "reason", "agreed", "department__name"]
    date_hierarchy = "held_on"
    inlines = [CommitmentInline, TalkEventInline]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["text", "talk", "due_on", "status", "fulfilled_on"]
    list_filter = ["status"]


@admin.register(TalkEvent)
class TalkEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "talk", "action", "actor"]
    list_filter = ["action"]
