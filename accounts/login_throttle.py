"""Throttles on signing in, beside django-axes' lockout of one account from one address.

- Per address: failed sign-ins from one client address at any accounts (a password sprayed over
  many accounts, a script walking a list of names).
- Per account: failed sign-ins at one account from every address together (one account guessed
  from many addresses).

Each counts failures in a fixed window in the shared cache (every web process sees the same
count) and refuses further sign-ins from that address, or at that account, until the window ends.
The per-account window is short, so someone who makes an account fail on purpose holds it for a
minute at a time, not a quarter of an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from core.client_ip import client_ip


@dataclass(frozen=True)
class _Counter:
    name: str
    limit: int
    window: dt.timedelta

    def _key(self, who: str, now: float) -> tuple[str, int]:
        seconds = int(self.window.total_seconds())
        digest = hashlib.sha256(who.encode()).hexdigest()[:32]
        return f"login-failures:{self.name}:{digest}:{int(now // seconds)}", seconds

    def count(self, who: str, now: float) -> int:
        key, _seconds = self._key(who, now)
        return caches["shared"].get(key, 0)

    def add(self, who: str, now: float) -> None:
        key, seconds = self._key(who, now)
        shared = caches["shared"]
        shared.add(key, 0, seconds)
        try:
            shared.incr(key)
        except ValueError:  # expired between add and incr: the next window starts with this one
            shared.add(key, 1, seconds)

    def seconds_left(self, now: float) -> int:
        seconds = self.window.total_seconds()
        return max(1, math.ceil(seconds - now % seconds))


def _counters() -> tuple[_Counter, _Counter]:
    return (
        _Counter("address", settings.DUDAO_LOGIN_FAILURES_PER_ADDRESS, settings.DUDAO_LOGIN_ADDRESS_WINDOW),
        _Counter("user", settings.DUDAO_LOGIN_FAILURES_PER_USER, settings.DUDAO_LOGIN_USER_WINDOW),
    )


def _subjects(request, username: str) -> tuple[str, str]:
    # Usernames compared without case: "Leader" and "leader" are one target for a guesser.
    return client_ip(request) or "", (username or "").strip().casefold()


def login_throttle_wait(*, request, username: str) -> int:
    """Seconds until a sign-in from this request's address at `username` may be tried, 0 if now."""
    now = time.time()
    waits = [
        counter.seconds_left(now)
        for counter, who in zip(_counters(), _subjects(request, username), strict=True)
        if who and counter.count(who, now) >= counter.limit
    ]
    return max(waits, default=0)


def login_throttle_record_failure(*, request, username: str) -> None:
    """Count one failed sign-in against the address and the account."""
    now = time.time()
    for counter, who in zip(_counters(), _subjects(request, username), strict=True):
        if who:
            counter.add(who, now)
