"""Forms of the talk pages. They parse input; talks/services.py decides."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from core.text import ControlCharacterFreeFormMixin, reject_control_characters
from issues.models import OPEN_STATUSES, Issue
from issues.selectors import issue_list_visible_to
from projects.models import SupervisionGroup
from talks.models import TalkKind
from talks.selectors import departments_for_talks, groups_for_recorder
from talks.services import MAX_COMMITMENT_WORKING_DAYS, CommitmentInput

REQUIRED = {"required": _("此项为必填项。")}
# Rows of follow-up commitments offered on the form (empty rows are ignored).
COMMITMENT_ROWS = 4


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class IssueChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}（{obj.lead_department.display_name}）"


class TalkForm(ControlCharacterFreeFormMixin, forms.Form):
    """Everything typed stays on the page when the service refuses (core.errors.add_to_form)."""

    service_fields = {"commitments": "commitment_text_1"}

    kind = forms.ChoiceField(label=_("谈话类型"), choices=TalkKind.choices, widget=forms.RadioSelect)
    held_on = forms.DateField(
        label=_("谈话日期"),
        widget=DateInput(),
        error_messages={**REQUIRED, "invalid": _("请输入有效日期，例如 2026-11-26。")},
    )
    department = forms.ModelChoiceField(label=_("谈话单位"), queryset=departments_for_talks(), error_messages=REQUIRED)
    group = forms.ModelChoiceField(
        label=_("督导组"),
        queryset=SupervisionGroup.objects.none(),
        required=False,
        help_text=_("以督导组名义开展的谈话请选择督导组；组长只能选择本人担任组长的督导组。"),
    )
    interviewee_name = forms.CharField(label=_("谈话对象"), max_length=50, error_messages=REQUIRED)
    interviewee_post = forms.CharField(
        label=_("谈话对象职务"),
        max_length=100,
        error_messages=REQUIRED,
        help_text=_("如：局长、分管副局长、副县长。"),
    )
    led_by = UserChoiceField(label=_("谈话人"), queryset=User.objects.none(), error_messages=REQUIRED)
    place = forms.CharField(label=_("谈话地点"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("谈话事由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages=REQUIRED,
        help_text=_("如：问题逾期未整改、列入红黑榜黑榜、整改反复返工。谈话时该单位所处的红黑榜位置由系统自动记录。"),
    )
    issues = IssueChoiceField(
        label=_("相关问题"),
        queryset=Issue.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("该单位牵头或协办的未办结问题，可多选。"),
    )
    agreed = forms.CharField(
        label=_("谈话要求及表态"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages=REQUIRED,
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        groups = groups_for_recorder(user=actor)
        group_field = cast(forms.ModelChoiceField, self.fields["group"])
        group_field.queryset = groups
        if not actor.is_leader:
            group_field.required = True
            group_field.error_messages.update(REQUIRED)
        led_by_field = cast(forms.ModelChoiceField, self.fields["led_by"])
        led_by_field.queryset = (
            User.objects.filter(is_active=True)
            .filter(Q(groups__name=Role.LEADER) | Q(group_memberships__group__in=groups))
            .distinct()
            .order_by("full_name", "username")
        )
        cast(IssueChoiceField, self.fields["issues"]).queryset = (
            issue_list_visible_to(user=actor).filter(status__in=OPEN_STATUSES).order_by("code")
        )
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("led_by", actor.pk)
            self.initial.setdefault("kind", TalkKind.INTERVIEW)
        for row in range(1, COMMITMENT_ROWS + 1):
            self.fields[f"commitment_text_{row}"] = forms.CharField(
                label=_("承诺事项%(n)s") % {"n": row},
                max_length=1000,
                required=False,
                validators=[reject_control_characters],
            )
            self.fields[f"commitment_days_{row}"] = forms.IntegerField(
                label=_("完成时限（工作日）"),
                min_value=1,
                max_value=MAX_COMMITMENT_WORKING_DAYS,
                required=False,
                error_messages={
                    "invalid": _("请输入工作日天数（整数）。"),
                    "min_value": _("至少1个工作日。"),
                    "max_value": _("最多%(limit_value)s个工作日。"),
                },
            )

    def commitment_rows(self):
        """(text field, days field) per row, for the template."""
        return [(self[f"commitment_text_{n}"], self[f"commitment_days_{n}"]) for n in range(1, COMMITMENT_ROWS + 1)]

    def main_fields(self):
        return [field for field in self.visible_fields() if not field.name.startswith("commitment_")]

    def clean(self):
        cleaned = super().clean()
        for row in range(1, COMMITMENT_ROWS + 1):
            text = (cleaned.get(f"commitment_text_{row}") or "").strip()
            days = cleaned.get(f"commitment_days_{row}")
            if text and days is None and f"commitment_days_{row}" not in self.errors:
                self.add_error(f"commitment_days_{row}", _("请填写该承诺事项的完成时限（工作日）。"))
            if days is not None and not text:
                self.add_error(f"commitment_text_{row}", _("请填写承诺事项内容，或清空完成时限。"))
        return cleaned

    def commitments(self) -> list[CommitmentInput]:
        data = self.cleaned_data
        return [
            CommitmentInput(text=data[f"commitment_text_{n}"], working_days=data[f"commitment_days_{n}"])
            for n in range(1, COMMITMENT_ROWS + 1)
            if (data.get(f"commitment_text_{n}") or "").strip() and data.get(f"commitment_days_{n}")
        ]


class FulfilForm(ControlCharacterFreeFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("落实情况说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages=REQUIRED,
    )
