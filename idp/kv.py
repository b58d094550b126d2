"""Redis: ephemeral state with a TTL everywhere (DESIGN §3).

A real server when ``IDP_REDIS_URL`` is set; otherwise an in-process emulation (fakeredis with
Lua), which only works for a single process.
"""

from __future__ import annotations

from typing import Any, cast

import redis

from idp.config import Settings


def connect(settings: Settings) -> redis.Redis:
    if settings.storage.redis_url:
        return redis.Redis.from_url(
            settings.storage.redis_url,
            socket_timeout=5,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
    import fakeredis  # development only; imported lazily so production never loads it

    return cast(redis.Redis, fakeredis.FakeRedis(server=fakeredis.FakeServer()))


def key(*parts: Any) -> str:
    """Every key of idp starts with ``idp:`` so a shared Redis stays readable."""
    return "idp:" + ":".join(str(p) for p in parts)
