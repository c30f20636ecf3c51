"""Admin pages for notifications and e-mail preferences."""

from django.contrib import admin

from notifications.models import EmailPreference, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email_status"]
    list_filter = ["kind", "email_status"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email_enabled"]
    list_filter = ["kind", "email_enabled"]
