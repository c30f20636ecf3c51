"""The filter form of the audit event list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import EVENT_MODELS


def _model_choices():
    choices = [
        (label, f"{model.pgh_tracked_model._meta.verbose_name}（{label}）") for label, model in EVENT_MODELS.items()
    ]
    return [("", _("全部对象类型")), *sorted(choices, key=lambda c: c[0])]


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("对象类型"), required=False)
    object = forms.CharField(label=_("对象编号"), required=False, max_length=40)
    actor = forms.ModelChoiceField(
        label=_("操作人"), required=False, queryset=User.objects.order_by("username"), empty_label=_("全部操作人")
    )
    action = forms.ChoiceField(
        label=_("动作"),
        required=False,
        choices=[("", _("全部动作")), ("insert", _("新增")), ("update", _("修改")), ("delete", _("删除"))],
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = _model_choices()
        self.fields["object"].error_messages["max_length"] = _("对象编号过长。")

    def clean_object(self):
        value = (self.cleaned_data.get("object") or "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("对象编号应为数字。"))
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return cleaned
