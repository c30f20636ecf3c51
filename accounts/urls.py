from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api_tokens, two_factor_views
from accounts.login import LoginView

app_name = "accounts"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("login/code/", two_factor_views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/api-token/", api_tokens.token_issue, name="api_token_issue"),
    path("profile/api-token/revoke/", api_tokens.token_revoke, name="api_token_revoke"),
    path("profile/two-factor/", two_factor_views.two_factor, name="two_factor"),
    path(
        "profile/two-factor/recovery-codes/",
        two_factor_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("profile/two-factor/disable/", two_factor_views.two_factor_disable, name="two_factor_disable"),
]
