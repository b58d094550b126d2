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
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from idp.oidc import tokens
from idp.runtime import runtime

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


def logout_token(client_id: str, sub: str | None, sid: str | None) -> str:
    """A freshly signed logout token (new ``iat`` and ``jti`` at every attempt)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": runtime().settings.server.issuer,
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
    return tokens.sign(claims, typ=LOGOUT_TOKEN_TYP)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx surfaces as an HTTPError: the token is never sent elsewhere


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_logout_token(uri: str, token: str, timeout: float) -> Attempt:
    """POST the token to the client's ``backchannel_logout_uri``."""
    if urlsplit(uri).scheme not in ("http", "https"):
        return Attempt(False, permanent=True, error="not an http(s) URI")
    body = urlencode({"logout_token": token}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    # http(s) only: checked above
    req = urllib.request.Request(uri, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            response.read(4096)  # drain a little, so the connection closes cleanly
            status = int(response.status)
    except urllib.error.HTTPError as error:
        with error:  # holds the open response: close it
            try:
                answer = error.read(4096)
            except (OSError, http.client.HTTPException):
                answer = b""
            return _refused(error.code, answer)
    except urllib.error.URLError as error:
        return Attempt(False, error=_describe(error.reason))
    except (http.client.InvalidURL, ValueError) as error:
        return Attempt(False, permanent=True, error=f"invalid URI ({type(error).__name__})")
    except (OSError, http.client.HTTPException) as error:
        return Attempt(False, error=_describe(error))
    if 200 <= status < 300:
        return Attempt(True, status=status)
    return Attempt(False, status=status, error=f"HTTP {status}")


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
