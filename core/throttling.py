"""The API's throttles (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]), counted in the cache every web
process shares (CACHES["shared"]: Redis when REDIS_URL is set), per real client address
(core/client_ip.py), at the rates settings.DUDAO_API_THROTTLE_RATES gives (read on each request, so
a deployment or a test can change them). A module of their own: DRF reads the setting when
rest_framework.views is first imported, which core.api's imports cause."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.client_ip import client_ip


class _SharedCacheRates:
    @property
    def cache(self):
        return caches["shared"]

    def get_rate(self):
        return settings.DUDAO_API_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_ip(request) or ""


class ApiAnonRateThrottle(_SharedCacheRates, AnonRateThrottle):
    """Calls without credentials, per address. DRF checks throttles after permissions, so a call
    refused for want of credentials is never counted here: the token authentication counts the
    tokens it refuses itself (RefusedTokenThrottle), at the same rate."""


class ApiUserRateThrottle(_SharedCacheRates, UserRateThrottle):
    """Signed-in users and token holders, per user."""


class RefusedTokenThrottle(ApiAnonRateThrottle):
    """Refused tokens per address, at the anonymous rate: checked before a token is looked up, so
    an address that has guessed too many is refused without learning whether its next guess is right."""

    cache_format = "throttle_refused_token_%(ident)s"

    def get_cache_key(self, request, view):
        return self.cache_format % {"ident": self.get_ident(request)}  # request.user is not known yet

    def exhausted(self, request) -> bool:
        """Whether this address has used up its refusals, without counting this call."""
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def record_refusal(self) -> None:
        """Count the call `exhausted` looked at as refused."""
        self.throttle_success()
