"""Forms of the import pages: they parse input only; every rule is intake.services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("问题清单文件"),
        help_text=_("用模板填写的 Excel（.xlsx）文件。上传后先逐行校验并预览，确认后才交办。"),
        error_messages={"required": _("请选择要上传的问题清单文件。"), "empty": _("上传的文件是空文件。")},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class ConfirmForm(forms.Form):
    only_valid = forms.BooleanField(label=_("只交办无误的行，有错误的行不交办"), required=False)
