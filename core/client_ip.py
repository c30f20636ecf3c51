"""Who is asking: the client's address, as the login lockout, the login throttle and the API's
throttles count it.

Behind a reverse proxy every request comes from the proxy's socket address, and the client's is in
X-Forwarded-For. That header is believed only when the socket address is one of the proxies the
deployment names (settings.DUDAO_TRUSTED_PROXIES, addresses or networks): a client that talks to
Django directly cannot choose its own address by sending the header. django-ipware reads the chain:
each proxy appends the address it received the request from, so with DUDAO_PROXY_COUNT proxies in
a row the chain holds exactly DUDAO_PROXY_COUNT entries (the client, then each proxy but the last,
which is the socket address). A chain of any other length (a client that sent its own header
through the proxy, say) is not believed either: the socket address stands, so a forged header can
neither rotate the address nor pick someone else's.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from ipware import get_client_ip

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def is_trusted_proxy(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.DUDAO_TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    """The client's address: from X-Forwarded-For when a trusted proxy sent the request and the
    chain has the configured length, otherwise the socket address. (AXES_CLIENT_IP_CALLABLE.)"""
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    remote = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(remote) or not request.META.get(FORWARDED_FOR):
        return remote
    forwarded, _routable = get_client_ip(
        request,
        # django-ipware counts the proxies *listed in* the header: all of ours but the last.
        proxy_count=max(settings.DUDAO_PROXY_COUNT - 1, 0),
        request_header_order=[FORWARDED_FOR],
    )
    return forwarded or remote
