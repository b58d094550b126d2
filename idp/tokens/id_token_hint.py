"""``id_token_hint`` (OIDC Core §3.1.2.1, RP-Initiated Logout 1.0 §2): an ID token we issued,
verified against our published keys (current, next or retired), expired or not. Anything
else, access and logout tokens included, counts as no hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from idp.tokens.keys import KeyStore

ID_TOKEN_TYP = "JWT"


@dataclass(frozen=True)
class Hint:
    """What a verified ``id_token_hint`` says."""

    sub: str
    sid: str | None
    audiences: tuple[str, ...]
    azp: str | None


def decode_hint(id_token_hint: str | None, *, keys: KeyStore, issuer: str) -> Hint | None:
    """The claims of an ID token signed by one of our published keys (current, next or
    retired) for ``issuer``, expired or not; None for anything else (access or logout tokens
    included)."""
    if not id_token_hint:
        return None
    try:
        token = jwt.decode(
            id_token_hint, keys.current().verification, algorithms=["RS256", "ES256"]
        )
    except (JoseError, ValueError, TypeError):
        return None
    claims: dict[str, Any] = token.claims
    if token.header.get("typ", ID_TOKEN_TYP) != ID_TOKEN_TYP:
        return None
    if claims.get("iss") != issuer:
        return None
    sub, sid, aud, azp = (claims.get(n) for n in ("sub", "sid", "aud", "azp"))
    audiences = [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str)]
    if not isinstance(sub, str) or not audiences:
        return None
    return Hint(
        sub=sub,
        sid=sid if isinstance(sid, str) and sid else None,
        audiences=tuple(audiences),
        azp=azp if isinstance(azp, str) else None,
    )
