"""/healthz: is the database reachable, is Redis (broker) reachable.

200 while the database answers — Redis down only degrades (emails wait in the outbox, pages
still serve); 503 when the database is down, so a load balancer takes the instance out.
No login, no session, no transaction (ATOMIC_REQUESTS would fail before the view on a dead DB).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down": the probe must answer, not raise
        logger.warning("health: database unreachable", exc_info=True)
        return "down"
    return "ok"


def redis_status() -> str:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "not_configured"  # the disk broker of `make run`
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        client.ping()
        client.close()
    except Exception:
        logger.warning("health: redis unreachable at %s", url.split("@")[-1])
        return "down"
    return "ok"


@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request):
    checks = {"database": database_status(), "redis": redis_status()}
    if checks["database"] != "ok":
        overall, code = "down", 503
    elif checks["redis"] == "down":
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    return JsonResponse({**checks, "status": overall}, status=code)
