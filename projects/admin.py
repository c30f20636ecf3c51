"""Admin pages for projects, their procedure stages and factor guarantees, supervision groups and authorizations."""

from django.contrib import admin

from core.admin import NoDeleteAdmin, NoDeleteTabularInline, ReadOnlyAdmin, ReadOnlyTabularInline
from projects.models import (
    Authorization,
    FactorGuarantee,
    GroupMembership,
    GroupPartnerUnit,
    ProcedureStage,
    Project,
    ProjectRecordEvent,
    SupervisionGroup,
)


# Stages and factors are kept on the project pages through projects.services (with their
# history); the admin only shows them.
class ProcedureStageInline(ReadOnlyTabularInline):
    model = ProcedureStage
    exclude = ["version"]


class FactorGuaranteeInline(ReadOnlyTabularInline):
    model = FactorGuarantee
    exclude = ["version"]


class AuthorizationInline(NoDeleteTabularInline):
    model = Authorization
    extra = 0
    autocomplete_fields = ["inspector"]


@admin.register(Project)
class ProjectAdmin(NoDeleteAdmin):
    list_display = ["name", "county", "enterprise", "investment", "stage", "is_archived"]
    list_filter = ["stage", "county", "is_archived"]
    search_fields = ["name", "short_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    inlines = [ProcedureStageInline, FactorGuaranteeInline, AuthorizationInline]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["user"]


class PartnerInline(admin.TabularInline):
    model = GroupPartnerUnit
    extra = 0


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(NoDeleteAdmin):
    list_display = ["name", "formed_on", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["projects"]
    inlines = [MembershipInline, PartnerInline]


@admin.register(Authorization)
class AuthorizationAdmin(NoDeleteAdmin):
    list_display = ["number", "inspector", "project", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["project"]
    search_fields = ["number", "inspector__full_name", "project__name"]
    list_select_related = ["inspector", "project"]
    date_hierarchy = "valid_from"


@admin.register(ProcedureStage)
class ProcedureStageAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "name", "status", "blocked_since"]
    list_filter = ["status", "kind"]
    search_fields = ["project__name", "blockage_note"]
    list_select_related = ["project"]


@admin.register(FactorGuarantee)
class FactorGuaranteeAdmin(ReadOnlyAdmin):
    list_display = ["project", "factor", "status", "updated_on"]
    list_filter = ["status", "factor"]
    list_select_related = ["project"]


@admin.register(ProjectRecordEvent)
class ProjectRecordEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "project", "stage", "factor", "actor", "action"]
    list_filter = ["action"]
    list_select_related = ["project", "stage", "factor", "actor"]
