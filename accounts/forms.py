from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入（注意区分大小写）。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].error_messages["required"] = _("请输入用户名。")
        self.fields["password"].error_messages["required"] = _("请输入密码。")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["username"].widget.attrs["autofocus"] = True


class TwoFactorCodeForm(forms.Form):
    """One code: six digits from the authenticator app (or, where `recovery` is allowed, a recovery code)."""

    code = forms.CharField(max_length=32, strip=True)

    def __init__(self, *args, recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = _("验证码或恢复码") if recovery else _("验证码")
        field.help_text = (
            _("输入身份验证器上显示的 6 位数字；手机不在身边时，可输入一个恢复码（每个只能用一次）。")
            if recovery
            else _("输入身份验证器上当前显示的 6 位数字。")
        )
        field.error_messages["required"] = _("请输入验证码。")
        field.widget.attrs.update(
            {
                "class": "form-control form-control-lg dd-otp-input",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        )
        if not recovery:
            field.widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})
