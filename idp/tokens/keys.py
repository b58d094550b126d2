"""Signing keys: generation, encryption at rest, JWKS and rotation (docs/security.md, README.md).

Keys are loaded once into joserfc key objects and reused: importing a PEM per token would cost
~36 ms of OpenSSL validation each time. Lifecycle of a key:

* ``next``: published in the JWKS, not yet signing, so relying parties cache it in advance;
* ``active``: signs every new token;
* ``retired``: published until ``publish_until`` (when every token it signed has expired).

Instances notice a rotation made elsewhere through a version counter in Redis. A reload that
fails because Redis or the database does not answer keeps the keys already loaded and is tried
again a few seconds later, so JWKS, discovery and signing go on through an outage
(``docs/failure-modes.md``).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import redis
from cryptography.fernet import Fernet, InvalidToken
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from idp.config import DEV_SECRET_KEY, Settings
from idp.db import db, utcnow
from idp.encryption import fernet_for
from idp.errors import ConfigError
from idp.kv import key as kv_key
from idp.models import SigningKey
from idp.outages import REDIS_ERRORS, Outages, dependency_of

VERSION_KEY = kv_key("keys", "version")
RECHECK_SECONDS = 5.0
# After a failed reload, the loaded keys serve this long before the next try, so an outage
# costs one slow request per interval, not one per request.
RETRY_SECONDS = 5.0

PrivateKey = RSAKey | ECKey


@dataclass(frozen=True)
class KeySnapshot:
    signing_kid: str
    signing_alg: str
    signing_key: PrivateKey
    verification: KeySet
    jwks_bytes: bytes
    # When a retired key leaves the JWKS: the snapshot is rebuilt then.
    stale_after: datetime | None = None


def _fernet(settings: Settings) -> Fernet:
    return fernet_for(settings, b"idp signing keys at rest")


def _generate(alg: str) -> PrivateKey:
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=True)
    return RSAKey.generate_key(2048, private=True)


class KeyStore:
    def __init__(
        self, settings: Settings, redis_client: redis.Redis, outages: Outages | None = None
    ) -> None:
        self._settings = settings
        self._redis = redis_client
        self._outages = outages or Outages()
        self._fernet = _fernet(settings)
        self._lock = threading.Lock()
        self._snapshot: KeySnapshot | None = None
        self._version: bytes | None = None
        self._checked_at = 0.0
        self._retry_at = 0.0

    # -- lifecycle -------------------------------------------------------------------------
    def ensure(self) -> None:
        """Generate the first active and next keys if there are none (first start)."""
        rows = self._rows()
        missing = [s for s in ("active", "next") if not any(r.state == s for r in rows)]
        for state in missing:
            self._add(state=state)
        if missing:
            db.session.commit()
            self._bump()

    def rotate(self, publish_for: timedelta) -> SigningKey:
        """Promote the next key, retire the active one, publish a new next key.

        ``publish_for`` is how long the retired key stays in the JWKS: the longest lifetime of
        a token it may have signed. A development key is never promoted.
        """
        now = utcnow()
        rows = self._rows()
        for row in rows:
            if row.state == "active":
                row.state, row.retired_at, row.publish_until = "retired", now, now + publish_for
            elif row.state == "next" and row.development and self._settings.server.production:
                row.state, row.retired_at, row.publish_until = "retired", now, now
        promoted = next((r for r in rows if r.state == "next"), None)
        if promoted is None:
            promoted = self._add(state="active")
        promoted.state, promoted.activated_at = "active", now
        self._add(state="next")
        db.session.commit()
        self._bump()
        return promoted

    def check_production_ready(self) -> None:
        active = [r for r in self._rows() if r.state == "active"]
        if active and active[0].development:
            raise ConfigError(
                "The signing key was generated with the development secret. "
                "Run `idp keys rotate` with IDP_ENV=production to replace it."
            )

    # -- use ---------------------------------------------------------------------------------
    def current(self) -> KeySnapshot:
        """The keys to sign and verify with, reloaded when another instance rotated them
        (checked every few seconds) or when a retired key leaves the JWKS.

        Raises only when no keys were ever loaded and Redis or the database is unreachable
        (the caller answers 503): once loaded, keys outlive an outage."""
        now = time.monotonic()
        snapshot = self._snapshot
        due = now - self._checked_at > RECHECK_SECONDS or (
            snapshot is not None and _outdated(snapshot)
        )
        if snapshot is not None and (not due or now < self._retry_at):
            return snapshot
        try:
            return self._reload(now)
        except (*REDIS_ERRORS, DBAPIError) as error:
            if snapshot is None or dependency_of(error) is None:
                raise
            self._outages.report(error)
            self._retry_at = now + RETRY_SECONDS
            return snapshot

    def _reload(self, now: float) -> KeySnapshot:
        version = cast(bytes | None, self._redis.get(VERSION_KEY))
        with self._lock:
            if self._snapshot is None or version != self._version or _outdated(self._snapshot):
                self._snapshot = self._load()
                self._version = version
            self._checked_at = now
            return self._snapshot

    # -- internals ---------------------------------------------------------------------------
    def _rows(self) -> list[SigningKey]:
        return list(db.session.scalars(select(SigningKey).order_by(SigningKey.created_at)))

    def _add(self, state: str) -> SigningKey:
        alg = self._settings.keys.signing_alg
        key = _generate(alg)
        kid = key.thumbprint()
        public = {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": alg}
        pem = key.as_pem(private=True)
        row = SigningKey(
            kid=kid,
            alg=alg,
            state=state,
            public_jwk=public,
            private_key_encrypted=self._fernet.encrypt(pem).decode(),
            development=self._settings.server.secret_key == DEV_SECRET_KEY,
            activated_at=utcnow() if state == "active" else None,
        )
        db.session.add(row)
        db.session.flush()
        return row

    def _bump(self) -> None:
        self._redis.incr(VERSION_KEY)
        self._checked_at = self._retry_at = 0.0

    def _load(self) -> KeySnapshot:
        # A session of its own: a reload failing mid-request must not touch the request's
        # unit of work, and reading keys never writes.
        with Session(db.engine) as session:
            rows = list(session.scalars(select(SigningKey).order_by(SigningKey.created_at)))
        if not any(r.state == "active" for r in rows):
            self.ensure()
            with Session(db.engine) as session:
                rows = list(session.scalars(select(SigningKey).order_by(SigningKey.created_at)))
        return self._snapshot_of(rows)

    def _snapshot_of(self, rows: list[SigningKey]) -> KeySnapshot:
        now = utcnow()
        active = next(r for r in rows if r.state == "active")
        try:
            pem = self._fernet.decrypt(active.private_key_encrypted.encode())
        except InvalidToken:
            raise ConfigError(
                "Cannot decrypt the signing key: IDP_SECRET_KEY or IDP_KEYS_ENCRYPTION_KEY "
                "changed since it was generated."
            ) from None
        private: PrivateKey = (
            ECKey.import_key(pem) if active.alg == "ES256" else RSAKey.import_key(pem)
        )
        published = [r for r in rows if _is_published(r, now)]
        jwks = {"keys": [r.public_jwk for r in published]}
        leaving = [r.publish_until for r in published if r.state == "retired" and r.publish_until]
        return KeySnapshot(
            signing_kid=active.kid,
            signing_alg=active.alg,
            signing_key=private,
            verification=KeySet.import_key_set(cast(Any, jwks)),
            jwks_bytes=json.dumps(jwks, separators=(",", ":")).encode(),
            stale_after=min(leaving) if leaving else None,
        )


def _outdated(snapshot: KeySnapshot) -> bool:
    return snapshot.stale_after is not None and snapshot.stale_after <= utcnow()


def _is_published(row: SigningKey, now: datetime) -> bool:
    if row.state in ("active", "next"):
        return True
    return row.publish_until is not None and row.publish_until > now
