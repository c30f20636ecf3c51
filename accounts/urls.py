from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api_tokens, views
from accounts.login import LoginView

app_name = "accounts"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", api_tokens.token_issue, name="api_token_issue"),
    path("profile/api-token/revoke/", api_tokens.token_revoke, name="api_token_revoke"),
]
