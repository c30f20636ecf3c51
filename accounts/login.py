"""The sign-in page: django-axes' lockout (in the authentication backend), the address and account
throttles (accounts/login_throttle.py) and, for accounts with a second factor, the code step."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render

from accounts.forms import LoginForm
from accounts.login_throttle import login_throttle_record_failure, login_throttle_wait
from accounts.two_factor import two_factor_enabled
from accounts.two_factor_views import sign_in_pending


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = login_throttle_wait(request=request, username=request.POST.get("username", ""))
        if wait:
            minutes = -(-wait // 60)
            return render(request, "accounts/login_throttled.html", {"minutes": minutes}, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("__all__", "invalid_login"):
            login_throttle_record_failure(request=self.request, username=form.data.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_enabled(user=user):
            # Not signed in yet: the code step signs in (django-axes sees the sign-in then).
            sign_in_pending(self.request, user=user, redirect_to=self.get_redirect_url())
            return redirect("accounts:login_code")
        return super().form_valid(form)
