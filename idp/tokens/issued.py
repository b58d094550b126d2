"""Access tokens (JWT, RFC 9068), refresh tokens (opaque, hashed, rotated) and revocation.

Refresh tokens of one authorization form a family; a reused token revokes the family and the
access tokens issued under it (RFC 9700 §4.14.2): those carry the family id in the private claim
``idp_family`` (an identifier, not a credential), so one durable revocation of the family covers
them all (``idp/tokens/revocations.py``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import update

from idp import audit
from idp.clients.registry import ClientRegistry, RegisteredClient, all_clients
from idp.config import TokenSettings
from idp.db import db, utcnow
from idp.models import RefreshToken
from idp.runtime import Runtime
from idp.tokens import revocations
from idp.tokens.keys import KeyStore
from idp.tokens.revocations import Revocations

ACCESS_TOKEN_TYP = "at+jwt"
FAMILY_CLAIM = "idp_family"


@dataclass(frozen=True)
class AuthContext:
    """How and when the member authenticated; carried from code to tokens to refreshes."""

    member_id: int
    sid: str | None
    auth_time: int
    amr: list[str]
    acr: str | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(claims: dict[str, Any], keys: KeyStore, typ: str = "JWT") -> str:
    snapshot = keys.current()
    header = {"alg": snapshot.signing_alg, "kid": snapshot.signing_kid, "typ": typ}
    return jwt.encode(header, claims, snapshot.signing_key, algorithms=[snapshot.signing_alg])


def new_family_id() -> str:
    return secrets.token_urlsafe(16)


class Tokens:
    """The tokens ``issuer`` issues with ``keys`` for the lifetimes of ``settings``, their
    revocations, and the registered clients they are for."""

    def __init__(
        self, settings: TokenSettings, issuer: str, keys: KeyStore, revocations: Revocations,
        clients: ClientRegistry,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.issuer = issuer
        self.keys = keys
        self.revocations = revocations
        self.clients = clients

    @classmethod
    def of(cls, rt: Runtime) -> Tokens:
        settings = rt.settings
        return cls(settings.tokens, settings.server.issuer, rt.keys, Revocations.of(rt),
                   ClientRegistry.of(rt))  # fmt: skip

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return sign(claims, self.keys, typ)

    def issue_access_token(
        self, client: RegisteredClient, scope: str, subject: str, ctx: AuthContext | None,
        family_id: str | None = None,
    ) -> tuple[str, int, str]:  # fmt: skip
        """Returns (token, expires_in, jti)."""
        ttl = client.ttl("access_token_ttl", self.settings.access_token_ttl)
        now = int(time.time())
        jti = secrets.token_urlsafe(16)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.issuer,
            "client_id": client.client_id,
            "iat": now,
            "exp": now + ttl,
            "jti": jti,
            "scope": scope,
        }
        if ctx is not None:
            claims.update(auth_time=ctx.auth_time, amr=ctx.amr)
            if ctx.acr:
                claims["acr"] = ctx.acr
            if ctx.sid:
                claims["sid"] = ctx.sid
        if family_id:
            claims[FAMILY_CLAIM] = family_id
        return self.sign(claims, typ=ACCESS_TOKEN_TYP), ttl, jti

    def verify_access_token(self, token: str) -> dict[str, Any] | None:
        """Claims of a valid, unexpired, unrevoked access token of ours whose client is still
        enabled; None otherwise. The one check of userinfo, introspection and the admin API."""
        if not token or len(token) > 8192:
            return None
        try:
            decoded = jwt.decode(
                token, self.keys.current().verification, algorithms=["RS256", "ES256"]
            )
        except (JoseError, ValueError, TypeError):
            return None
        if decoded.header.get("typ") != ACCESS_TOKEN_TYP:
            return None
        claims = decoded.claims
        now = time.time()
        if claims.get("iss") != self.issuer or not isinstance(claims.get("exp"), int):
            return None
        if claims["exp"] <= now or not isinstance(claims.get("jti"), str):
            return None
        family = claims.get(FAMILY_CLAIM)
        state = self.revocations.check(claims["jti"], family if isinstance(family, str) else None)
        if state.revoked:
            return None
        # A disabled or deleted client's tokens die with it (the cache is dropped at each
        # change), even when a new client takes the deleted one's id.
        client = self.clients.find_at(str(claims.get("client_id")), state.clients_version)
        if client is None or not _issued_since(claims, client.created_at):
            return None
        return claims

    def revoke_access_token(self, jti: str, exp: int) -> None:
        """Revoke one access token until it expires, in the caller's transaction."""
        self.revocations.revoke(revocations.JTI, jti, exp)

    def issue_refresh_token(
        self,
        client: RegisteredClient,
        scope: str,
        ctx: AuthContext,
        family_id: str | None,
        family_expires_at: datetime | None = None,
    ) -> tuple[str, str]:
        """Returns (token, family_id); the token itself is never stored. A new family ends
        ``refresh_token_max_lifetime`` from now; a rotation passes the family's end on, and
        the new token expires after its idle lifetime or at that end, whichever comes first."""
        token = secrets.token_urlsafe(32)
        family_id = family_id or new_family_id()
        ttl = client.ttl("refresh_token_ttl", self.settings.refresh_token_ttl)
        now = utcnow()
        if family_expires_at is None:
            family_expires_at = now + timedelta(
                seconds=client.refresh_family_lifetime(self.settings)
            )
        db.session.add(
            RefreshToken(
                token_hash=token_digest(token),
                family_id=family_id,
                client_id=client.client_id,
                member_id=ctx.member_id,
                scope=scope,
                sid=ctx.sid,
                auth_time=ctx.auth_time,
                acr=ctx.acr,
                amr=ctx.amr,
                expires_at=min(now + timedelta(seconds=ttl), family_expires_at),
                family_expires_at=family_expires_at,
            )
        )
        return token, family_id

    def revoke_family(self, family_id: str, reason: str = "revoked") -> None:
        """Revoke every refresh token of the family and the access tokens issued under it, in
        the caller's transaction. The request that actually revokes live tokens records
        ``token.family_revoked`` with ``reason``; revoking a revoked family again records
        nothing."""
        revoked = db.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .returning(RefreshToken.member_id, RefreshToken.client_id, RefreshToken.sid)
        ).first()
        # Any access token of the family was issued before now, so expires within the longest
        # access-token lifetime from now.
        expires_at = int(time.time()) + self._longest_access_ttl()
        self.revocations.revoke(revocations.FAMILY, family_id, expires_at)
        if revoked is not None:
            member_id, client_id, sid = revoked
            audit.record("token.family_revoked", member_id=member_id, client_id=client_id,
                         sid=sid, family=family_id, reason=reason)  # fmt: skip

    def _longest_access_ttl(self) -> int:
        longest = self.settings.access_token_ttl
        for row in all_clients():
            longest = max(longest, int((row.settings or {}).get("access_token_ttl") or 0))
        return longest


def _issued_since(claims: dict[str, Any], created_at: datetime | None) -> bool:
    if created_at is None:
        return True
    iat = claims.get("iat")
    return isinstance(iat, int) and iat >= int(created_at.replace(tzinfo=UTC).timestamp())


def find_refresh_token(token: str) -> RefreshToken | None:
    if not token or len(token) > 256:
        return None
    return db.session.query(RefreshToken).filter_by(token_hash=token_digest(token)).one_or_none()


def mark_used(row: RefreshToken) -> bool:
    """Atomically mark a refresh token used; False if another request used it first."""
    result = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
