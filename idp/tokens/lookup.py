"""Find a token presented to revocation or introspection, whichever kind it is."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from sqlalchemy import select

from idp.db import db, utcnow
from idp.models import Member, RefreshToken
from idp.tokens.issued import FAMILY_CLAIM, Tokens, find_refresh_token


@dataclass
class AccessTokenRef(TokenMixin):
    claims: dict[str, Any]
    tokens: Tokens

    def check_client(self, client) -> bool:
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return int(self.claims["exp"] - time.time())

    def is_expired(self) -> bool:
        return self.claims["exp"] <= time.time()

    def is_revoked(self) -> bool:
        return False  # verify_access_token already refused revoked tokens

    def revoke(self) -> None:
        self.tokens.revoke_access_token(self.claims["jti"], self.claims["exp"])

    def audit_detail(self) -> dict[str, Any]:
        """Who and what the revoked token was for, for ``token.revoked`` (never the token)."""
        member_id = db.session.scalar(select(Member.id).filter_by(subject=self.claims.get("sub")))
        return {"member_id": member_id, "kind": "access_token", "sid": self.claims.get("sid"),
                "family": self.claims.get(FAMILY_CLAIM)}  # fmt: skip

    def introspection(self) -> dict[str, Any]:
        keys = ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti", "auth_time",
                "acr", "amr", "sid")  # fmt: skip
        data = {k: self.claims[k] for k in keys if k in self.claims}
        return {"active": True, "token_type": "Bearer", **data}


@dataclass
class RefreshTokenRef(TokenMixin):
    row: RefreshToken
    tokens: Tokens

    def check_client(self, client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - utcnow()).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.row.used_at is not None

    def revoke(self) -> None:
        """RFC 7009 §2.1: revoking a refresh token revokes its grant's access tokens too."""
        self.tokens.revoke_family(self.row.family_id, reason="revocation_request")

    def audit_detail(self) -> dict[str, Any]:
        return {"member_id": self.row.member_id, "kind": "refresh_token", "sid": self.row.sid,
                "family": self.row.family_id}  # fmt: skip

    def introspection(self) -> dict[str, Any]:
        member = db.session.get(Member, self.row.member_id)
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": self.row.scope,
            "client_id": self.row.client_id,
            "sub": member.subject if member else None,
            "exp": int(self.row.expires_at.timestamp()),
            "iat": int(self.row.issued_at.timestamp()),
        }


def lookup(token: str, hint: str | None, tokens: Tokens) -> AccessTokenRef | RefreshTokenRef | None:
    order = ("refresh_token", "access_token") if hint == "refresh_token" else (
        "access_token", "refresh_token")  # fmt: skip
    for kind in order:
        if kind == "access_token":
            claims = tokens.verify_access_token(token)
            if claims is not None:
                return AccessTokenRef(claims, tokens)
        else:
            row = find_refresh_token(token)
            if row is not None:
                return RefreshTokenRef(row, tokens)
    return None
