"""Clues in the admin: read-only, even for the superuser — every change goes through the
disposal steps (clues.services) so it has its event."""

from django.contrib import admin

from clues.models import Clue, ClueEvent, ClueSubject
from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline


class ClueSubjectInline(ReadOnlyTabularInline):
    model = ClueSubject
    fields = [
        "name",
        "post",
        "department",
        "supervision_form",
        "party_sanction",
        "government_sanction",
        "organizational_measure",
        "sanction_unclassified",
        "decided_on",
        "exposed",
    ]


class ClueEventInline(ReadOnlyTabularInline):
    model = ClueEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "note"]


@admin.register(Clue)
class ClueAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "project", "source", "status", "received_on", "filed_on", "exposed_on"]
    list_filter = ["status", "source", "project"]
    search_fields = ["title", "description", "subjects__name"]
    list_select_related = ["project"]
    inlines = [ClueSubjectInline, ClueEventInline]


@admin.register(ClueSubject)
class ClueSubjectAdmin(ReadOnlyAdmin):
    list_display = ["name", "post", "clue", "supervision_form", "party_sanction", "government_sanction", "decided_on"]
    search_fields = ["name", "clue__title"]
    list_select_related = ["clue"]


@admin.register(ClueEvent)
class ClueEventAdmin(ReadOnlyAdmin):
    list_display = ["clue", "action", "actor", "from_status", "to_status", "created_at"]
    list_filter = ["action"]
    list_select_related = ["clue", "actor"]
