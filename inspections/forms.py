"""Site visit forms: the visit, its findings (a formset) and its files. Messages are Chinese first."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import check_uploads
from core.text import ControlCharacterFreeFormMixin
from inspections.models import FindingKind, VisitMethod
from inspections.services import MAX_FINDINGS_PER_VISIT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by core.files.validate_upload (magic bytes,
    size, allow-list) and every problem is reported, so nothing is saved unless all pass."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        check_uploads(files)  # raises one ValidationError: too many, or listing every refused file
        return files


def _coordinate_field(label, limit: int, message) -> forms.DecimalField:
    """An optional latitude/longitude within ±limit; every kind of bad value gets one clear message."""
    field = forms.DecimalField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-limit),
        max_value=Decimal(limit),
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    field.error_messages.update(
        invalid=message,
        min_value=message,
        max_value=message,
        max_digits=_("位数过多，最多保留 6 位小数。"),
        max_decimal_places=_("最多保留 6 位小数。"),
        max_whole_digits=message,
    )
    return field


class SiteVisitForm(ControlCharacterFreeFormMixin, forms.Form):
    visited_on = forms.DateField(
        label=_("检查日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写检查日期。"), "invalid": _("请输入有效的日期，例如 2026-11-26。")},
    )
    place = forms.CharField(
        label=_("检查地点"),
        max_length=200,
        error_messages={"required": _("请填写检查地点。")},
        widget=forms.TextInput(attrs={"placeholder": _("如：项目矿区、企业会议室、市自然资源局")}),
    )
    methods = forms.MultipleChoiceField(
        label=_("检查方式"),
        choices=VisitMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一种检查方式。")},
    )
    is_recheck = forms.BooleanField(label=_("回头看（整改核验复查）"), required=False)
    participants = forms.CharField(
        label=_("参加人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("企业、部门参加人员，每行一人")}),
    )
    summary = forms.CharField(
        label=_("检查情况"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写检查情况。")},
    )
    latitude = _coordinate_field(_("纬度"), 90, _("纬度应为 -90 到 90 之间的数字。"))
    longitude = _coordinate_field(_("经度"), 180, _("经度应为 -180 到 180 之间的数字。"))
    files = MultipleFileField(  # type: ignore[assignment]  # a form field named "files": the stubs know only BaseForm.files
        label=_("照片和文件"),
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf,.docx,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "可多选。支持 jpg、png、webp、pdf、docx、xlsx，单个文件不超过 %(limit)s。"
        ) % {"limit": filesizeformat(settings.DUDAO_UPLOAD_MAX_BYTES)}

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise ValidationError(_("检查日期不能晚于今天。"), code="future")
        return day

    def clean_place(self):
        place = self.cleaned_data["place"].strip()
        if not place:
            raise ValidationError(_("请填写检查地点。"), code="required")
        return place

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise ValidationError(_("请填写检查情况。"), code="required")
        return summary

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            raise ValidationError(_("经纬度需同时填写，或同时留空。"), code="geo_pair")
        return cleaned


class SiteVisitEditForm(SiteVisitForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].label = _("补充照片和文件")


class FindingForm(ControlCharacterFreeFormMixin, forms.Form):
    """One finding row. A fully empty row is skipped; a half-filled one is an error."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("请选择类型")), *FindingKind.choices])
    text = forms.CharField(
        label=_("内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("企业反映的诉求、难点、堵点或期盼")}),
    )

    def clean(self):
        cleaned = super().clean()
        kind, text = cleaned.get("kind"), (cleaned.get("text") or "").strip()
        cleaned["text"] = text
        if text and not kind:
            self.add_error("kind", _("请选择发现的类型。"))
        if kind and not text:
            self.add_error("text", _("请填写发现的具体内容。"))
        return cleaned

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("kind") and not data.get("text")


class BaseFindingFormSet(forms.BaseFormSet):
    def findings(self) -> list[dict]:
        """The filled rows as {'id', 'kind', 'text'} in order (valid formset only)."""
        return [
            {"id": form.cleaned_data.get("id"), "kind": form.cleaned_data["kind"], "text": form.cleaned_data["text"]}
            for form in self.forms
            if form.cleaned_data and not form.is_blank
        ]


FindingFormSet = forms.formset_factory(
    FindingForm, formset=BaseFindingFormSet, extra=0, max_num=MAX_FINDINGS_PER_VISIT, validate_max=True, absolute_max=60
)


def visit_methods_initial(visit) -> list[str]:
    return [str(method.value) for method in visit.methods]
