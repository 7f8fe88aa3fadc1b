"""Rate limits for public endpoints: fixed windows counted in the shared cache.

Limits are settings (`RATE_LIMITS`, overridable per scope from the environment), so that
several server processes behind a load balancer count together when the cache is Redis.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        """'10/3600' → 10 requests per 3600 seconds."""
        requests, _, seconds = text.partition("/")
        return cls(int(requests), int(seconds))


class RateLimited(Exception):
    def __init__(self, *, scope: str, retry_after: int) -> None:
        self.scope = scope
        self.retry_after = retry_after
        super().__init__(f"rate limit '{scope}' exceeded; retry after {retry_after}s")


def client_address(request: HttpRequest) -> str:
    """The caller's address. Behind trusted proxies, the address they saw, counted from the right."""
    proxies = settings.RATE_LIMIT_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def check_rate(scope: str, identity: str) -> None:
    """Count one request of `identity` against the limit of `scope`; raise RateLimited past it."""
    limit = Limit.parse(settings.RATE_LIMITS[scope])
    now = int(time.time())
    window = now // limit.seconds
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]  # keeps raw addresses out of the cache
    key = f"ratelimit:{scope}:{digest}:{window}"
    cache = caches["default"]
    cache.add(key, 0, timeout=limit.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds + 1)
        count = 1
    if count > limit.requests:
        raise RateLimited(scope=scope, retry_after=(window + 1) * limit.seconds - now)
