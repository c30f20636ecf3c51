"""Forms of the issue pages. They only parse input into the shapes the services take (types, required
fields, choices); every rule (deadlines in order, no lead department among the assisting ones, who
and when) is the service's, shown on the form through core.errors.add_to_form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.text import ControlCharacterFreeFormMixin
from core.workdays import calendar_covers

# One multi-file field for the whole site: it checks every file (core.files) and reports them all.
from inspections.forms import MultipleFileField, MultipleFileInput
from issues.models import EvidenceReview, IssueCategory, IssueSeverity
from issues.services import DEFAULT_RECTIFICATION_WORKING_DAYS, DEFAULT_SIGN_WORKING_DAYS
from issues.workflow import Step

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from projects.models import Project

REQUIRED = {"required": _("此项为必填项。")}
DATE_ERRORS = {**REQUIRED, "invalid": _("请输入有效日期，例如 2026-12-31。")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def text_area(rows: int = 3, placeholder: StrOrPromise = "") -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})


class VersionedForm(ControlCharacterFreeFormMixin, forms.Form):
    """Every action form carries the version the user saw, so a stale page meets a conflict (the
    service compares it, issues.services._compare_and_set)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def service_arguments(self, step: Step) -> dict[str, Any]:
        """The cleaned input as the arguments of the step's service: a form's free text is its
        `note`, which the service may call otherwise (the reason of a return, say)."""
        data = dict(self.cleaned_data)
        if "note" in data and step.text_argument != "note":
            data[step.text_argument] = data.pop("note")
        return data


class SignForm(VersionedForm):
    note = forms.CharField(label=_("签收说明"), required=False, widget=text_area(2, _("可选：承办人、初步措施等")))


class ProgressForm(VersionedForm):
    text = forms.CharField(label=_("进展情况"), error_messages=REQUIRED, widget=text_area(4))
    percent = forms.IntegerField(
        label=_("完成进度（%）"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("完成进度应在 0 到 100 之间。"),
            "max_value": _("完成进度应在 0 到 100 之间。"),
            "invalid": _("请输入 0 到 100 之间的整数。"),
        },
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a form field named "files": the stubs know only BaseForm.files
        label=_("佐证材料"),
        help_text=_("可多选；支持 jpg、png、webp、pdf、docx、xlsx。"),
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf,.docx,.xlsx"}),
    )

    def __init__(self, *args, lead: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not lead:  # assisting departments add notes; only the lead reports the percent
            del self.fields["percent"]
            self.fields["text"].label = _("协办说明")


class ExtensionRequestForm(VersionedForm):
    requested_deadline = forms.DateField(label=_("申请延至"), widget=DateInput, error_messages=DATE_ERRORS)
    reason = forms.CharField(label=_("延期理由"), error_messages=REQUIRED, widget=text_area(3))


class SubmitForm(VersionedForm):
    note = forms.CharField(
        label=_("整改完成情况"),
        error_messages=REQUIRED,
        widget=text_area(3),
        help_text=_("作为最终整改进展保存，整改进度记为 100%；有待审批的延期申请时不能提交。"),
    )


class EvidenceReviewForm(VersionedForm):
    evidence = forms.TypedChoiceField(
        label=_("佐证材料"),
        coerce=int,
        choices=(),
        error_messages={**REQUIRED, "invalid_choice": _("请选择佐证材料。")},
    )
    verdict = forms.ChoiceField(
        label=_("审核结论"),
        choices=EvidenceReview.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结论。")},
    )
    note = forms.CharField(label=_("审核意见"), required=False, widget=text_area(2, _("标记“不足”时必填：缺什么")))

    def __init__(self, *args: Any, evidence: Sequence[tuple[Any, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (id, "name — current verdict") of the issue's files: which one is being judged.
        cast(forms.ChoiceField, self.fields["evidence"]).choices = [("", _("请选择")), *evidence]

    def service_arguments(self, step: Step) -> dict[str, Any]:
        data = super().service_arguments(step)
        data["evidence_id"] = data.pop("evidence")
        return data


class ProposeCloseForm(VersionedForm):
    note = forms.CharField(
        label=_("核验意见"),
        error_messages=REQUIRED,
        widget=text_area(3, _("核验方式、佐证材料审核情况、回头看情况")),
        help_text=_("每份佐证材料都审核后才能提出销号；由组长或领导确认后销号。"),
    )


class ConfirmCloseForm(VersionedForm):
    note = forms.CharField(label=_("确认意见"), required=False, widget=text_area(2, _("可选")))


class RejectCloseForm(VersionedForm):
    note = forms.CharField(label=_("不同意销号的理由"), error_messages=REQUIRED, widget=text_area(2))


class ReturnForm(VersionedForm):
    note = forms.CharField(label=_("退回理由"), error_messages=REQUIRED, widget=text_area(3))


class WithdrawForm(VersionedForm):
    note = forms.CharField(label=_("撤销理由"), error_messages=REQUIRED, widget=text_area(2))


class ExtensionDecideForm(VersionedForm):
    DECISIONS = (("approve", _("同意延期")), ("deny", _("不同意延期")))

    extension = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审批结果。")},
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=text_area(2, _("不同意时必填")))

    def service_arguments(self, step: Step) -> dict[str, Any]:
        data = super().service_arguments(step)
        data["approve"] = data.pop("decision") == "approve"
        data["extension_id"] = data.pop("extension")
        return data


class InstructionForm(VersionedForm):
    text = forms.CharField(label=_("批示内容"), error_messages=REQUIRED, widget=text_area(3))


class IssueFieldsForm(ControlCharacterFreeFormMixin, forms.Form):
    """The fields of a hand-off an inspector writes, shared by the hand-off and the edit form."""

    title = forms.CharField(label=_("问题标题"), max_length=200, error_messages=REQUIRED)
    description = forms.CharField(label=_("问题描述"), error_messages=REQUIRED, widget=text_area(5))
    category = forms.ChoiceField(
        label=_("问题类别"), choices=[("", _("请选择类别")), *IssueCategory.choices], error_messages=REQUIRED
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=IssueSeverity.choices, initial=IssueSeverity.GENERAL)
    sign_deadline = forms.DateField(label=_("签收时限"), widget=DateInput, error_messages=DATE_ERRORS)
    rectification_deadline = forms.DateField(label=_("整改时限"), widget=DateInput, error_messages=DATE_ERRORS)

    def deadline_values(self) -> dict[str, dt.date]:
        """The deadlines as typed (bound) or proposed (initial), where they parse as dates."""
        values = {}
        for name in ("sign_deadline", "rectification_deadline"):
            value = self[name].value()
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    value = None
            if isinstance(value, dt.date):
                values[name] = value
        return values


def deadline_warnings(dates: list[dt.date]) -> list[str]:
    """A warning per year the official holiday calendar does not cover yet."""
    years = sorted({day.year for day in dates if not calendar_covers(day)})
    return [
        str(_("%(year)s 年的法定节假日安排尚未收录，该年份的工作日按周一至周五计算，请核对时限。") % {"year": year})
        for year in years
    ]


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class HandOffForm(IssueFieldsForm):
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label=_("所属项目"),
        queryset=None,
        empty_label=_("请选择项目"),
        error_messages={
            **REQUIRED,
            "invalid_choice": _("请选择您督导的项目。"),
        },
    )
    lead_department = DepartmentChoiceField(
        label=_("责任单位"),
        queryset=None,
        empty_label=_("请选择责任单位"),
        error_messages={
            **REQUIRED,
            "invalid_choice": _("请选择有效的责任单位。"),
        },
    )
    assisting_departments = DepartmentMultipleChoiceField(
        label=_("协办单位"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或 ⌘）；责任单位不要重复选择。"),
        error_messages={"invalid_choice": _("请选择有效的协办单位。")},
    )
    # Helpers for the htmx date proposal only; the dates below are what is saved.
    sign_working_days = forms.IntegerField(
        label=_("签收工作日"),
        min_value=1,
        max_value=60,
        required=False,
        initial=DEFAULT_SIGN_WORKING_DAYS,
        widget=forms.NumberInput(attrs={"class": "dd-workdays"}),
    )
    rectification_working_days = forms.IntegerField(
        label=_("整改工作日"),
        min_value=1,
        max_value=250,
        required=False,
        initial=DEFAULT_RECTIFICATION_WORKING_DAYS,
        widget=forms.NumberInput(attrs={"class": "dd-workdays"}),
    )
    source_finding = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = [
        "project",
        "title",
        "description",
        "category",
        "severity",
        "lead_department",
        "assisting_departments",
        "sign_working_days",
        "sign_deadline",
        "rectification_working_days",
        "rectification_deadline",
    ]

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.rectifying().order_by("kind", "name")
        self.fields["project"].queryset = projects
        self.fields["lead_department"].queryset = departments
        self.fields["assisting_departments"].queryset = departments


class IssueEditForm(VersionedForm, IssueFieldsForm):
    pass
