"""The filter form of the project list."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from projects.models import Project, ProjectStage


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
