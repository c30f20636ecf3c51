"""Authentication backends."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come through a request (the login form, the API
    token endpoint). Calls without a request — `manage.py` commands, the test client's
    `login()` — have no address to throttle by, so they pass through to ModelBackend instead of
    failing as django-axes would."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
