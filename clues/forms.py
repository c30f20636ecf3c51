"""Forms of the clue pages. They parse input; clues.services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from clues.models import (
    ClueSource,
    ClueStatus,
    ClueSubject,
    GovernmentSanction,
    OrganizationalMeasure,
    PartySanction,
    SupervisionForm,
)
from core.text import ControlCharacterFreeFormMixin
from projects.models import Project


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ServiceErrorsForm(ControlCharacterFreeFormMixin, forms.Form):
    service_fields: dict[str, str] = {}


class VersionedForm(ServiceErrorsForm):
    """Carries the clue version the user saw: a stale page is refused, not applied."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ClueFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("处置状态"), required=False, choices=[("", _("全部状态")), *ClueStatus.choices])
    source = forms.ChoiceField(label=_("线索来源"), required=False, choices=[("", _("全部来源")), *ClueSource.choices])
    project = forms.ModelChoiceField(
        label=_("所属项目"), required=False, queryset=Project.objects.none(), empty_label=_("全部项目")
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        for name in ("status", "source", "project"):
            self.fields[name].widget.attrs["class"] = "form-select"


class ClueForm(ServiceErrorsForm):
    project = forms.ModelChoiceField(label=_("所属项目"), queryset=Project.objects.none(), required=False)
    title = forms.CharField(label=_("线索名称"), max_length=200)
    description = forms.CharField(label=_("反映的主要问题"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is None:
            del self.fields["project"]
        else:
            self.fields["project"].queryset = projects
            self.fields["project"].required = True


class SubjectForm(ServiceErrorsForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    department = forms.ModelChoiceField(label=_("所在单位"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("kind", "name")


SubjectFormSet = forms.formset_factory(SubjectForm, extra=3, max_num=30, validate_max=True)


class AddSubjectForm(VersionedForm, SubjectForm):
    pass


class HandOverForm(VersionedForm):
    received_on = forms.DateField(label=_("移送日期"), widget=DateInput, required=False)
    handed_over_to = forms.ModelChoiceField(
        label=_("移送单位"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("如市纪委监委案件监督管理室、相关派驻纪检监察组。"),
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handed_over_to"].queryset = Department.objects.filter(
            kind__in=[Department.Kind.COMMISSION, Department.Kind.DISPATCHED_GROUP, Department.Kind.COUNTY_COMMISSION]
        ).order_by("kind", "name")


class StepForm(VersionedForm):
    """A step with its note and the day it took effect (today when left empty)."""

    on = forms.DateField(label=_("日期"), widget=DateInput, required=False, help_text=_("不填则为今天。"))
    note = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class DisposeForm(StepForm):
    disposal = forms.ChoiceField(label=_("处置方式"), choices=())

    def __init__(self, *args, disposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposal"].choices = disposals
        self.fields["note"].label = _("处置意见")


class ResumeForm(VersionedForm):
    note = forms.CharField(label=_("恢复核实的理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class OutcomeForm(VersionedForm):
    subject = forms.ModelChoiceField(label=_("涉及人员"), queryset=ClueSubject.objects.none())
    supervision_form = forms.ChoiceField(label=_("运用的形态"), choices=[("", "—"), *SupervisionForm.choices])
    party_sanction = forms.ChoiceField(
        label=_("党纪处分"), choices=[("", _("无")), *PartySanction.choices], required=False
    )
    government_sanction = forms.ChoiceField(
        label=_("政务处分"), choices=[("", _("无")), *GovernmentSanction.choices], required=False
    )
    organizational_measure = forms.ChoiceField(
        label=_("组织处理"), choices=[("", _("无")), *OrganizationalMeasure.choices], required=False
    )
    decided_on = forms.DateField(label=_("处理决定日期"), widget=DateInput, required=False)
    note = forms.CharField(
        label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args, clue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = clue.subjects.filter(decided_on__isnull=True)


class ExposeForm(VersionedForm):
    exposed_on = forms.DateField(label=_("通报曝光日期"), widget=DateInput, required=False)
    named = forms.ModelMultipleChoiceField(
        label=_("通报点名的人员"),
        queryset=ClueSubject.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("通报曝光的载体和内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, clue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named"].queryset = clue.subjects.all()
