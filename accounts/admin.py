from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "department", "title", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "department__kind"]
    search_fields = ["username", "full_name", "email", "department__name"]
    list_select_related = ["department"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("督导信息"), {"fields": ("full_name", "title", "phone", "department")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("督导信息"), {"fields": ("full_name", "department", "groups")}),
    )
