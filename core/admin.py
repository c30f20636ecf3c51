"""Admin for workday overrides (holiday notices), and admin base classes that forbid deletion."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.holiday_notice import HolidayNoticeError, parse_holiday_notice
from core.models import WorkdayOverride
from core.services import workday_overrides_apply_notice
from core.workdays import calendar_covers


class HolidayNoticeForm(forms.Form):
    text = forms.CharField(
        label=_("通知全文"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        max_length=20000,
        help_text=_("粘贴国务院办公厅关于某年部分节假日安排的通知，含标题和“一、元旦：……”各项。"),
    )
    year = forms.IntegerField(
        label=_("年份"), required=False, min_value=2000, max_value=2100, help_text=_("标题未粘贴时必填。")
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["notice"] = parse_holiday_notice(cleaned["text"], year=cleaned.get("year"))
        except HolidayNoticeError as error:
            raise forms.ValidationError(str(error), code="notice") from None
        return cleaned


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "official_calendar"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    change_list_template = "admin/core/workdayoverride/change_list.html"

    def get_urls(self):
        return [
            path(
                "import-notice/",
                self.admin_site.admin_view(self.import_notice_view),
                name="core_workdayoverride_import_notice",
            ),
            *super().get_urls(),
        ]

    def import_notice_view(self, request):
        """Paste the notice, see what was understood day by day, then confirm (nothing is written
        before the confirmation; the confirmation reads the same text again)."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = HolidayNoticeForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            notice = form.cleaned_data["notice"]
            if "confirm" in request.POST:
                applied = workday_overrides_apply_notice(notice=notice)
                self.message_user(
                    request,
                    gettext("已导入%(year)d年节假日安排：新增%(created)d天，更新%(changed)d天，未变%(unchanged)d天。")
                    % {"year": notice.year, **applied.__dict__},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:core_workdayoverride_changelist") + f"?date__year={notice.year}")
            existing = {o.date: o for o in WorkdayOverride.objects.filter(date__in=[d.date for d in notice.days])}
            preview = [(day, existing.get(day.date)) for day in notice.days]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("导入年度节假日安排通知"),
            "form": form,
            "preview": preview,
            "notice": form.cleaned_data.get("notice") if form.is_bound and form.is_valid() else None,
        }
        return TemplateResponse(request, "admin/core/workdayoverride/import_notice.html", context)

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
