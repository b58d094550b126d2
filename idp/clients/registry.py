"""Registered clients as Authlib sees them (``ClientMixin``), with a per-process cache that
every instance drops as soon as any instance changes a client (version counter in Redis)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, list_to_scope, scope_to_list
from redis import Redis
from sqlalchemy import select

from idp.clients.schema import CLIENT_ID, ClientSpec
from idp.clock import Clock
from idp.config import TokenSettings
from idp.db import db
from idp.kv import key as kv_key
from idp.models import OAuthClient
from idp.runtime import Runtime

if TYPE_CHECKING:
    from idp.authenticators.password import PasswordHashing

VERSION_KEY = kv_key("clients", "version")
LOOPBACK_IPS = ("127.0.0.1", "[::1]")


def secret_digest(secret: str) -> str:
    """Secrets we accept are ≥ 256-bit random values: SHA-256 suffices (docs/security.md)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class RegisteredClient(ClientMixin):
    client_id: str
    name: str
    client_type: str
    secret_hash: str | None
    # The client's policy, typed: parsed once from the stored row.
    spec: ClientSpec
    managed_by: str
    disabled: bool
    # After a rotation (idp/clients/admin.py) the previous secret's digest, accepted until then.
    previous_secret_hash: str | None = None
    previous_secret_expires_at: datetime | None = None
    # A token issued before this time was issued to a deleted client of the same id.
    created_at: datetime | None = None
    # What checking a secret needs: the time (the previous secret's grace) and the hasher
    # (argon2 secrets from clients.yaml).
    clock: Clock = field(kw_only=True, compare=False, repr=False)
    passwords: PasswordHashing = field(kw_only=True, compare=False, repr=False)

    @classmethod
    def from_row(
        cls, row: OAuthClient, clock: Clock, passwords: PasswordHashing
    ) -> RegisteredClient:
        return cls(
            client_id=row.client_id,
            name=row.name,
            client_type=row.client_type,
            secret_hash=row.secret_hash,
            spec=ClientSpec.from_stored(row.client_id, row.name, row.client_type, row.settings),
            managed_by=row.managed_by,
            disabled=row.disabled,
            previous_secret_hash=row.previous_secret_hash,
            previous_secret_expires_at=row.previous_secret_expires_at,
            created_at=row.created_at,
            clock=clock,
            passwords=passwords,
        )

    # -- policy ------------------------------------------------------------------------------
    @property
    def public(self) -> bool:
        return self.client_type == "public"

    @property
    def require_pkce(self) -> bool:
        return self.public or self.spec.require_pkce

    @property
    def redirect_uris(self) -> list[str]:
        return list(self.spec.redirect_uris)

    @property
    def scopes(self) -> list[str]:
        return list(self.spec.scopes)

    def ttl(self, name: str, default: int) -> int:
        """A lifetime of the client's own (``access_token_ttl``…), or the provider's."""
        own = getattr(self.spec, name)
        return int(own) if own else default

    def refresh_family_lifetime(self, tokens: TokenSettings) -> int:
        """How long this client's refresh-token family lives at most, however often it is
        used (seconds from the sign-in): its own ``refresh_token_max_lifetime`` or the
        provider's."""
        return self.ttl("refresh_token_max_lifetime", tokens.refresh_token_max_lifetime)

    # -- Authlib ClientMixin -----------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """None: every request names its redirect_uri (OIDC Core §3.1.2.1 makes it required)."""
        return None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        allowed = set(self.scopes)
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match; a native (public) client's loopback URI may vary its port only
        (RFC 8252 §7.3)."""
        if redirect_uri in self.redirect_uris:
            return True
        return self.public and any(_same_but_port(redirect_uri, r) for r in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        """The current secret, or the previous one until its grace period ends."""
        stored = self.secret_hash
        if not stored or not client_secret:
            return False
        if stored.startswith("$argon2"):
            return _verify_argon2(self.passwords, self.client_id, stored, client_secret)
        digest = secret_digest(client_secret)
        current = hmac.compare_digest(digest, stored)
        previous = self._previous_secret_live() and hmac.compare_digest(
            digest, self.previous_secret_hash or ""
        )
        return current or previous

    def _previous_secret_live(self) -> bool:
        until = self.previous_secret_expires_at
        if not self.previous_secret_hash or until is None:
            return False
        return self.clock.now() < until

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.spec.grant_types


def _same_but_port(candidate: str, registered: str) -> bool:
    try:
        a, b = urlsplit(candidate), urlsplit(registered)
        a_port = a.port
    except ValueError:
        return False
    if b.scheme != "http" or b.netloc.rsplit(":", 1)[0] not in LOOPBACK_IPS:
        return False
    return (
        a.scheme == "http"
        and a.hostname == b.hostname
        and a.netloc.rsplit(":", 1)[0] in LOOPBACK_IPS
        and a_port is not None
        and (a.path, a.query, a.fragment) == (b.path, b.query, b.fragment)
    )


# argon2 secrets from clients.yaml cost ~20 ms to verify; remember the digest of a secret that
# verified so the token endpoint pays that once per process, not per request.
_verified: dict[tuple[str, str], str] = {}
_verified_lock = threading.Lock()


def _verify_argon2(passwords: PasswordHashing, client_id: str, stored: str, secret: str) -> bool:
    digest = secret_digest(secret)
    cached = _verified.get((client_id, stored))
    if cached is not None:
        return hmac.compare_digest(cached, digest)
    if not passwords.verify(stored, secret):
        return False
    with _verified_lock:
        _verified[(client_id, stored)] = digest
    return True


class _Cache:
    def __init__(self) -> None:
        self.version: bytes | None = None
        self.clients: dict[str, RegisteredClient | None] = {}
        self.lock = threading.Lock()


class ClientRegistry:
    """The enabled clients, cached in ``cache`` until the version counter in ``redis``
    changes."""

    def __init__(
        self, redis: Redis, cache: _Cache, clock: Clock, passwords: PasswordHashing
    ) -> None:
        self.redis = redis
        self.cache = cache
        self.clock = clock
        self.passwords = passwords

    @classmethod
    def of(cls, rt: Runtime) -> ClientRegistry:
        """The registry of this app instance, with the instance's one cache."""
        cache = getattr(rt, "_client_cache", None)
        if cache is None:
            cache = _Cache()
            rt._client_cache = cache  # type: ignore[attr-defined]
        return cls(rt.redis, cache, rt.clock, rt.passwords)

    def find(self, client_id: str | None) -> RegisteredClient | None:
        """The enabled client with this id, or None. One Redis GET checks freshness."""
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            return None  # never a malformed id (NUL, control characters) to the database
        return self.find_at(client_id, cast(bytes | None, self.redis.get(VERSION_KEY)))

    def find_at(self, client_id: str, version: bytes | None) -> RegisteredClient | None:
        """``find`` for a caller that already read ``VERSION_KEY`` (the access-token check
        reads it in the same round-trip as the revocation list)."""
        if not CLIENT_ID.fullmatch(client_id):
            return None
        cache = self.cache
        with cache.lock:
            if version != cache.version:
                cache.clients.clear()
                cache.version = version
            if client_id in cache.clients:
                return cache.clients[client_id]
        row = db.session.get(OAuthClient, client_id)
        client = (
            RegisteredClient.from_row(row, self.clock, self.passwords)
            if row is not None and not row.disabled
            else None
        )
        with cache.lock:
            if cache.version == version:
                cache.clients[client_id] = client
        return client


def clients_changed(redis: Redis) -> None:
    """Tell every instance to drop its cached clients."""
    redis.incr(VERSION_KEY)


def all_clients() -> list[OAuthClient]:
    return list(db.session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)))


def longest_token_lifetime(tokens: TokenSettings) -> int:
    """Seconds a signing key must stay published after it stops signing."""
    longest = max(tokens.access_token_ttl, tokens.id_token_ttl)
    for row in all_clients():
        for name in ("access_token_ttl", "id_token_ttl"):
            longest = max(longest, int((row.settings or {}).get(name) or 0))
    return longest
