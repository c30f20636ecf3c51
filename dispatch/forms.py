"""Forms of the meeting pages. They parse input; dispatch/services.py decides."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.text import ControlCharacterFreeFormMixin
from dispatch.models import DispatchMeeting, MeetingRule
from issues.models import IssueCategory, IssueSeverity

if TYPE_CHECKING:
    from accounts.models import User
    from projects.models import Project

REQUIRED = {"required": _("此项为必填项。")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class ServiceErrorsForm(ControlCharacterFreeFormMixin, forms.Form):
    """A service's refusal goes on the field it names (core.errors.add_to_form); `service_fields`
    maps a service argument to the form field that holds it where the names differ."""

    service_fields: dict[str, str] = {}


class VersionedForm(ServiceErrorsForm):
    """Carries the meeting version the user saw: a stale page is refused, not applied."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingRuleForm(ControlCharacterFreeFormMixin, forms.ModelForm):
    """The model's clean() refuses an impossible day with a field message (the DB refuses it too)."""

    class Meta:
        model = MeetingRule
        fields = [
            "kind",
            "day_of_month",
            "weekday",
            "time",
            "place",
            "invite_leaders",
            "invite_departments_with_open_issues",
            "is_active",
        ]
        widgets = {"time": TimeInput(), "kind": forms.RadioSelect}
        help_texts = {
            "day_of_month": _("按固定日期时填写，1至28日（29至31日并非每月都有）。遇节假日顺延至下一个工作日。"),
            "weekday": _("按“每月最后一个星期几”时选择。"),
        }
        error_messages = {
            "time": {**REQUIRED, "invalid": _("请输入有效时间，例如 15:00。")},
            "place": REQUIRED,
            "day_of_month": {"invalid": _("请输入1至28之间的整数。")},
        }


class RescheduleForm(VersionedForm):
    service_fields = {"starts_at": "date"}
    date = forms.DateField(
        label=_("新的日期"),
        widget=DateInput,
        error_messages={**REQUIRED, "invalid": _("请输入有效日期，例如 2026-12-31。")},
    )
    time = forms.TimeField(
        label=_("开始时间"), widget=TimeInput, error_messages={**REQUIRED, "invalid": _("请输入有效时间，例如 15:00。")}
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False, help_text=_("不填则保持原地点。"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            starts_at = timezone.make_aware(dt.datetime.combine(cleaned["date"], cleaned["time"]))
            if starts_at <= timezone.now():
                self.add_error("date", _("不能改期到过去的时间，请选择今后的日期和时间。"))
            cleaned["starts_at"] = starts_at
        return cleaned


class MinutesForm(VersionedForm):
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    focus_next_month = forms.CharField(
        label=_("下月督导重点与方式"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class HeldForm(VersionedForm):
    present: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("实到人员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, meeting: DispatchMeeting, **kwargs):
        super().__init__(*args, **kwargs)
        present = cast("forms.ModelMultipleChoiceField[User]", self.fields["present"])
        present.queryset = meeting.attendees.order_by("username")
        present.label_from_instance = lambda user: user.display_name  # type: ignore[assignment]  # a per-form label, as Django's docs show


class DecisionForm(ServiceErrorsForm):
    text = forms.CharField(label=_("决定事项"), widget=forms.Textarea(attrs={"rows": 3}), error_messages=REQUIRED)
    responsible_department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label=_("责任单位"), queryset=Department.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("请输入有效日期，例如 2026-12-31。")},
    )
    hand_off = forms.BooleanField(label=_("同时作为问题交办给责任单位"), required=False)
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label=_("所属项目"), queryset=None, required=False
    )
    issue_title = forms.CharField(label=_("问题标题"), max_length=200, required=False, help_text=_("不填则用决定事项"))
    category = forms.ChoiceField(label=_("问题类别"), choices=[("", "—")] + list(IssueCategory.choices), required=False)
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=IssueSeverity.choices, initial=IssueSeverity.GENERAL, required=False
    )

    def __init__(self, *args, meeting: DispatchMeeting, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[Department]", self.fields["responsible_department"]
        ).queryset = Department.objects.rectifying().order_by("kind", "name")
        cast("forms.ModelChoiceField[Project]", self.fields["project"]).queryset = meeting.group.projects.order_by(
            "name"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hand_off"):
            if not cleaned.get("responsible_department"):
                self.add_error("responsible_department", _("交办问题须指定责任单位。"))
            if not cleaned.get("project"):
                self.add_error("project", _("交办问题须选择所属项目。"))
            if not cleaned.get("category"):
                self.add_error("category", _("交办问题须选择问题类别。"))
        return cleaned

    def hand_off_values(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("hand_off"):
            return None
        return {
            "project": data["project"],
            "title": data.get("issue_title") or "",
            "category": data["category"],
            "severity": data.get("severity") or IssueSeverity.GENERAL,
        }
