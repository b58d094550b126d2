"""Back-channel logout tokens and their delivery to one relying party (OIDC Back-Channel
Logout 1.0 §2.4, §2.5, §2.8).

A logout token is a JWT signed with the active key, header ``typ: logout+jwt``, for one client
(``aud``), naming the member (``sub``) and, for one session, its ``sid``; it never carries a
``nonce`` (§2.4, so it cannot pass for an ID token). It is POSTed form-encoded as
``logout_token``.

What an answer means:

* 2xx (200, or 204 from frameworks that drop empty bodies, §2.8): delivered;
* 400 whose JSON ``error`` is ``invalid_request``: the relying party refused the token itself,
  and a token built the same way would be refused again — given up at once;
* anything else (another 400 — §2.8 also answers 400 when *its* logout failed —, 3xx, which is
  never followed, other 4xx, 5xx, a timeout, a refused connection): tried again later.

Failure reasons name the status or the error, never the token.

Nothing here looks services up: the issuer, the key store and the outbound allow-list come
from the caller (``queue.py:LogoutQueue``).
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from idp.outbound import client
from idp.outbound.addresses import AllowList
from idp.outbound.guard import OutboundRefused, ResolutionFailed
from idp.tokens.issued import sign
from idp.tokens.keys import KeyStore

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYP = "logout+jwt"
LOGOUT_TOKEN_TTL = 120
PERMANENT_ERRORS = frozenset({"invalid_request"})


@dataclass(frozen=True)
class Attempt:
    """How one delivery went."""

    delivered: bool
    permanent: bool = False
    status: int | None = None
    error: str = ""


def logout_token(
    client_id: str, sub: str | None, sid: str | None, *, issuer: str, keys: KeyStore
) -> str:
    """A freshly signed logout token (new ``iat`` and ``jti`` at every attempt), from
    ``issuer``, signed with the active key of ``keys``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_TTL,
        "jti": secrets.token_urlsafe(16),
        "events": {LOGOUT_EVENT: {}},
    }
    if sub:
        claims["sub"] = sub
    if sid:
        claims["sid"] = sid
    return sign(claims, keys, typ=LOGOUT_TOKEN_TYP)


def post_logout_token(uri: str, token: str, timeout: float, *, allow: AllowList) -> Attempt:
    """POST the token to the client's ``backchannel_logout_uri``, through the guarded
    client of ``idp/outbound`` (never to an address of our own network unless ``allow``,
    from ``IDP_OUTBOUND_ALLOW``, lists it; redirects never followed)."""
    body = urlencode({"logout_token": token}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        answer = client.request(
            "POST", uri, allow=allow, timeout=timeout, body=body, headers=headers, max_body=4096
        )
    except OutboundRefused as refused:
        # Nothing was sent, and the same URI would be refused again: given up at once.
        return Attempt(False, permanent=True, error=f"refused: {refused.reason}"[:200])
    except ResolutionFailed:
        return Attempt(False, error="host name does not resolve")
    except (OSError, http.client.HTTPException) as error:
        return Attempt(False, error=_describe(error))
    except ValueError as error:  # http.client.InvalidURL: the same URI would fail again
        return Attempt(False, permanent=True, error=f"invalid URI ({type(error).__name__})")
    if 200 <= answer.status < 300:
        return Attempt(True, status=answer.status)
    return _refused(answer.status, answer.body)


def _refused(status: int, body: bytes) -> Attempt:
    error = ""
    if status == 400:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            error = answer["error"][:64]
    permanent = error in PERMANENT_ERRORS
    reason = f"HTTP {status}" + (f" {error}" if error else "")
    return Attempt(False, permanent=permanent, status=status, error=reason)


def _describe(error: object) -> str:
    """Why it failed, in one line, without the request (which holds the token)."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    if isinstance(error, BaseException):
        return type(error).__name__
    return str(error)[:200]
