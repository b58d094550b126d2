"""Redis: ephemeral state with a TTL everywhere (see ``docs/architecture.md``).

A real server when ``IDP_REDIS_URL`` is set; otherwise an in-process emulation (fakeredis with
Lua), which only works for a single process.

Timeouts are short so that no request waits long on a Redis that does not answer, and a
command that fails on a broken connection is retried once on a fresh one: a pooled connection
broken by a Redis restart is replaced by itself, without restarting idp. A timeout is not
retried: a Redis that did not answer within the timeout will not answer the same command at
once either, and the request would wait twice as long (``docs/failure-modes.md``).
"""

from __future__ import annotations

from typing import Any, cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from idp.config import Settings
from idp.outages import REDIS, REDIS_ERRORS, Outages

SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0


class ObservedRedis(redis.Redis):
    """A Redis client telling :class:`~idp.outages.Outages` whether Redis answers."""

    outages: Outages

    def execute_command(self, *args: Any, **options: Any) -> Any:
        try:
            result = super().execute_command(*args, **options)
        except REDIS_ERRORS as error:
            self.outages.down(REDIS, error)
            raise
        self.outages.up(REDIS)
        return result


def connect(settings: Settings, outages: Outages | None = None) -> redis.Redis:
    if settings.storage.redis_url:
        client = cast(
            ObservedRedis,
            ObservedRedis.from_url(
                settings.storage.redis_url,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
                health_check_interval=30,
            ),
        )
        client.outages = outages or Outages()
        return client
    import fakeredis  # development only; imported lazily so production never loads it

    return cast(redis.Redis, fakeredis.FakeRedis(server=fakeredis.FakeServer()))


def key(*parts: Any) -> str:
    """Every key of idp starts with ``idp:`` so a shared Redis stays readable."""
    return "idp:" + ":".join(str(p) for p in parts)
