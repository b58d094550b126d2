"""Revoked access tokens: durable in SQL, cached in Redis (see docs/failure-modes.md).

A revocation names one access token (``jti``) or every access token of a refresh-token
family (``family``, the tokens' ``idp_family`` claim). Each one is a row of
``access_token_revocations`` added in the caller's transaction, and a Redis key with the same
expiry. Redis is only the cache: a marker key says it holds every live row. While the marker is
there, a check is one ``MGET``; when it is missing (Redis flushed, restarted, replaced) the
first request to notice reloads the cache from SQL, and until the reload is done each check
reads SQL itself. A check that can read neither never accepts the token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis
from redis import Redis
from sqlalchemy import and_, delete, event, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from idp.clients.registry import VERSION_KEY as CLIENTS_VERSION_KEY
from idp.db import db, utcnow
from idp.kv import key
from idp.models import AccessTokenRevocation
from idp.runtime import Runtime

log = logging.getLogger(__name__)

JTI = "jti"
FAMILY = "family"
CACHE_PREFIX = {JTI: "revoked-at", FAMILY: "revoked-family"}
MARKER = key("revocations", "loaded")
LOADING = key("revocations", "loading")
PURGING = key("revocations", "purging")
# The cache is rebuilt from SQL at least this often, which also mends any drift.
MARKER_TTL = 3600
LOADING_TTL = 30
PURGE_INTERVAL = 60
PURGE_BATCH = 500
_PENDING = "idp.revocations.pending"


@dataclass(frozen=True)
class Check:
    revoked: bool
    clients_version: bytes | None  # read in the same round-trip, for the client check


class Revocations:
    """The revocation rows of the SQL session, and their cache in ``redis``."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @classmethod
    def of(cls, rt: Runtime) -> Revocations:
        return cls(rt.redis)

    def check(self, jti: str, family: str | None) -> Check:
        """Is this access token revoked, by itself or with its family? One Redis round-trip
        while the cache is loaded."""
        keys = [MARKER, CLIENTS_VERSION_KEY, _cache_key(JTI, jti)]
        if family:
            keys.append(_cache_key(FAMILY, family))
        marker, version, *revoked = self.redis.mget(keys)
        if marker is not None:
            return Check(any(v is not None for v in revoked), cast(bytes | None, version))
        return Check(self._check_cold(jti, family), cast(bytes | None, version))

    def revoke(self, kind: str, value: str, expires_at: int) -> None:
        """Record a revocation until ``expires_at`` (epoch seconds) in the caller's
        transaction and in the cache: now, so it holds at once, and again after the commit,
        so a flush that came in between cannot drop it while the marker is back."""
        until = datetime.fromtimestamp(expires_at + 1, UTC).replace(tzinfo=None)
        if until <= utcnow():
            return
        _upsert(kind, value, until)
        self.redis.set(_cache_key(kind, value), "1", exat=expires_at + 1)
        pending = db.session.info.setdefault(_PENDING, [])
        pending.append((self.redis, _cache_key(kind, value), expires_at + 1))
        self._purge_if_due()

    def _check_cold(self, jti: str, family: str | None) -> bool:
        """The cache is cold: reload it (one instance at a time) or read SQL. When SQL cannot
        answer, its error ends the request as an outage (``temporarily_unavailable``): the
        token is neither accepted nor declared invalid."""
        if self.redis.set(LOADING, "1", nx=True, ex=LOADING_TTL):
            return self._reload(jti, family)
        return _revoked_in_sql(jti, family)

    def _reload(self, jti: str, family: str | None) -> bool:
        """Fill the cache from SQL and set the marker in one transaction, which fails if Redis
        lost its data meanwhile (the flush touches the watched ``LOADING`` key)."""
        now = utcnow()
        live: set[tuple[str, str]] = set()
        with self.redis.pipeline() as pipe:
            pipe.watch(LOADING)
            rows = db.session.execute(
                select(
                    AccessTokenRevocation.kind,
                    AccessTokenRevocation.value,
                    AccessTokenRevocation.expires_at,
                ).where(AccessTokenRevocation.expires_at > now)
            ).all()
            pipe.multi()
            for kind, value, until in rows:
                live.add((kind, value))
                pipe.set(_cache_key(kind, value), "1", exat=_epoch(until))
            pipe.set(MARKER, "1", ex=MARKER_TTL)
            pipe.delete(LOADING)
            try:
                pipe.execute()
                log.info("Revocation cache reloaded from SQL: %d live revocations", len(rows))
            except redis.WatchError:
                log.warning("Redis lost its data during the revocation cache reload; retried later")
        return (JTI, jti) in live or (family is not None and (FAMILY, family) in live)

    def _purge_if_due(self) -> None:
        """Delete expired rows, one batch at most once a minute across instances, in the
        caller's transaction (a rolled-back purge is simply done next time)."""
        if not self.redis.set(PURGING, "1", nx=True, ex=PURGE_INTERVAL):
            return
        t = AccessTokenRevocation
        now = utcnow()
        cutoff = db.session.scalar(
            select(t.expires_at)
            .where(t.expires_at <= now)
            .order_by(t.expires_at)
            .offset(PURGE_BATCH - 1)
            .limit(1)
        )
        db.session.execute(delete(t).where(t.expires_at <= (cutoff or now)))


def _cache_key(kind: str, value: str) -> str:
    return key(CACHE_PREFIX[kind], value)


def _upsert(kind: str, value: str, until: datetime) -> None:
    """Insert, or push the expiry later; never an error for a token revoked twice."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = AccessTokenRevocation.__table__
    statement = dialect.insert(table).values(
        kind=kind, value=value, expires_at=until, revoked_at=utcnow()
    )
    later = cast(Any, statement).excluded.expires_at
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "value"],
        set_={"expires_at": later},
        where=table.c.expires_at < later,
    )
    db.session.execute(statement)


def _revoked_in_sql(jti: str, family: str | None) -> bool:
    t = AccessTokenRevocation
    named = [and_(t.kind == JTI, t.value == jti)]
    if family:
        named.append(and_(t.kind == FAMILY, t.value == family))
    found = db.session.execute(
        select(t.kind).where(or_(*named), t.expires_at > utcnow()).limit(1)
    ).first()
    return found is not None


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


@event.listens_for(Session, "after_commit")
def _cache_after_commit(session: Session) -> None:
    for client, cache_key, exat in session.info.pop(_PENDING, []):
        try:
            client.set(cache_key, "1", exat=exat)
        except redis.RedisError:
            # Written before the commit already; the next reload from SQL has it anyway.
            log.warning("Revocation not re-cached after commit (Redis unavailable)")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
