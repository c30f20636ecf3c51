from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api_tokens
from accounts.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/api-token/", api_tokens.token_issue, name="api_token_issue"),
    path("profile/api-token/revoke/", api_tokens.token_revoke, name="api_token_revoke"),
]
