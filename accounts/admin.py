from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Department, User
from accounts.services import user_deactivate
from accounts.two_factor import two_factor_reset


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]

    def has_delete_permission(self, request, obj=None):
        # Issues and records point at departments: retire one with "启用" unticked instead.
        return False


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
    actions = ["deactivate_users", "reset_two_factor"]

    def has_delete_permission(self, request, obj=None):
        # A user's records must keep their author: deactivate instead of deleting.
        return False

    @admin.action(description=_("停用所选用户并强制下线"))
    def deactivate_users(self, request, queryset):
        for user in queryset:
            user_deactivate(user=user)
        self.message_user(
            request, _("已停用 %(count)d 个用户，其登录会话和接口令牌已失效。") % {"count": queryset.count()}
        )

    @admin.action(description=_("重置所选用户的两步验证（手机丢失时）"))
    def reset_two_factor(self, request, queryset):
        reset = sum(1 for user in queryset if two_factor_reset(user=user))
        self.message_user(
            request,
            _(
                "已重置 %(count)d 个用户的两步验证：其身份验证器和恢复码已作废，下次登录只需密码（须启用的用户将被要求重新绑定）。"
            )
            % {"count": reset},
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "有效" in the form signs the user out everywhere, like the list action.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj)


# django-otp's own device admin shows each authenticator's secret and QR code: an administrator
# could copy a leader's second factor. Admins reset a lost phone with the user list's action instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
