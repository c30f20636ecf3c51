"""The form where a user chooses which notifications are also sent by e-mail."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationKind


class EmailPreferenceForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("以下消息同时发送邮件"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("未勾选的类型只在站内消息中提醒；站内消息始终开启。"),
    )
