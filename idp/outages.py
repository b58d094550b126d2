"""Whether PostgreSQL and Redis answer, as this process last saw them.

An outage is one log line when a dependency stops answering ("redis unreachable: <reason>")
and one when it answers again ("redis reachable again"), never a traceback per request. The
state is per process (each instance finds out by itself) and changes on what the process
observes: an error classified by :func:`dependency_of` marks a dependency down; the next
successful Redis command or database connection marks it up (hooks in ``idp/kv.py`` and
:func:`watch_engine`). See ``docs/failure-modes.md``.
"""

from __future__ import annotations

import logging
import threading

import redis.exceptions
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

DATABASE = "database"
REDIS = "redis"
DEPENDENCIES = (DATABASE, REDIS)
# Seconds a client is asked to wait before trying again (``Retry-After``).
RETRY_AFTER_SECONDS = 30
REASON_LENGTH = 200

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def dependency_of(error: BaseException) -> str | None:
    """``"redis"`` or ``"database"`` when ``error`` means that dependency is not answering
    (connection refused or lost, timeout, statement cancelled by ``statement_timeout``);
    None for any other error, bugs, constraint violations and :func:`is_conflict` included."""
    if isinstance(error, REDIS_ERRORS):
        return REDIS
    if is_conflict(error):
        return None
    if isinstance(error, (OperationalError, InterfaceError)):
        return DATABASE
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return DATABASE
    return None


def is_conflict(error: BaseException) -> bool:
    """The database answered, but chose this transaction as the victim of a deadlock or a
    serialization failure (SQLSTATE class 40): nothing is down, the request may be retried."""
    orig = error.orig if isinstance(error, DBAPIError) else None
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return isinstance(state, str) and state.startswith("40")


def reason_of(error: BaseException) -> str:
    """The first line of what the driver said (never SQL parameters: ``orig`` holds only the
    server's or the socket's message)."""
    source = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(source).strip().splitlines()
    return (text[0] if text else type(source).__name__)[:REASON_LENGTH]


class Outages:
    """The reachability of each dependency in this process, logging every change once."""

    def __init__(self) -> None:
        self._down: dict[str, str] = {}
        self._lock = threading.Lock()

    def down(self, dependency: str, error: BaseException) -> None:
        if dependency in self._down:
            return
        reason = reason_of(error)
        with self._lock:
            if dependency in self._down:
                return
            self._down[dependency] = reason
        log.error("%s unreachable: %s", dependency, reason)

    def up(self, dependency: str) -> None:
        if dependency not in self._down:  # the hot path: one dict lookup per command
            return
        with self._lock:
            if self._down.pop(dependency, None) is None:
                return
        log.warning("%s reachable again", dependency)

    def report(self, error: BaseException) -> bool:
        """Mark the dependency ``error`` belongs to as down; False if it is no outage."""
        dependency = dependency_of(error)
        if dependency is None:
            return False
        self.down(dependency, error)
        return True

    def is_down(self, dependency: str) -> bool:
        return dependency in self._down


def watch_engine(engine: Engine, outages: Outages) -> None:
    """A connection handed out by the pool (after ``pool_pre_ping``) proves the database
    answers again."""

    @event.listens_for(engine, "engine_connect")
    def _connected(connection: object) -> None:
        outages.up(DATABASE)
