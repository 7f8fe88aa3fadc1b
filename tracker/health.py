"""Health endpoints for load balancers and orchestrators.

`live`: the process answers (no dependency is touched, so a database outage never gets the
server restarted in a loop). `ready`: it can do its work: the database answers and, when
REDIS_URL is set, Redis does too. The answers name each check and nothing more: causes go to
the log, not to whoever asks.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database}
    if settings.REDIS_URL:
        checks["redis"] = _redis
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:  # any failure means not ready; the cause is logged
            logger.exception("readiness check failed: %s", name)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    ready_now = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready_now else "unavailable", "checks": results}, status=200 if ready_now else 503
    )


urlpatterns = [
    path("live", live, name="health-live"),
    path("ready", ready, name="health-ready"),
]
