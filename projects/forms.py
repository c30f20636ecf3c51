"""The filter form of the project list."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from projects.models import FactorKind, FactorStatus, ProcedureKind, ProcedureStatus, Project, ProjectStage


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    stage = forms.ChoiceField(label=_("项目阶段"), required=False, choices=[("", _("全部阶段")), *ProjectStage.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("项目名称、县区或企业")

    def apply(self, projects: QuerySet[Project]) -> QuerySet[Project]:
        text = self.cleaned_data.get("q", "").strip()
        if text:
            projects = projects.filter(
                Q(name__icontains=text)
                | Q(short_name__icontains=text)
                | Q(county__icontains=text)
                | Q(enterprise__name__icontains=text)
            )
        if self.cleaned_data.get("stage"):
            projects = projects.filter(stage=self.cleaned_data["stage"])
        return projects


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


DATE_ERRORS = {"invalid": _("请输入有效日期，例如 2026-12-31。")}


class RecordVersionForm(forms.Form):
    """Carries the record version the user saw: a stale page is refused, not applied."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ProcedureStageForm(RecordVersionForm):
    kind = forms.ChoiceField(label=_("手续环节"), choices=ProcedureKind.choices)
    name = forms.CharField(
        label=_("环节说明"), max_length=100, required=False, help_text=_("同一环节登记多次时用于区分，如“一期用地”")
    )
    status = forms.ChoiceField(label=_("状态"), choices=ProcedureStatus.choices)
    started_on = forms.DateField(label=_("启动日期"), required=False, widget=DateInput, error_messages=DATE_ERRORS)
    finished_on = forms.DateField(
        label=_("完成日期"), required=False, widget=DateInput, error_messages=DATE_ERRORS, help_text=_("已完成时填写")
    )
    blocked_since = forms.DateField(
        label=_("受阻起始日"),
        required=False,
        widget=DateInput,
        error_messages=DATE_ERRORS,
        help_text=_("受阻时填写，不填则记为今天"),
    )
    blockage_note = forms.CharField(
        label=_("堵点说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("受阻时必填")
    )

    def service_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "expected_version"}


class FactorGuaranteeForm(RecordVersionForm):
    factor = forms.ChoiceField(label=_("要素"), choices=FactorKind.choices)
    status = forms.ChoiceField(label=_("保障情况"), choices=FactorStatus.choices)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("存在困难时必填")
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["factor"]  # a factor row is for one factor; its kind never changes
