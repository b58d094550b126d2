"""Browsers that know a member: the device cookies of the lockout (docs/security.md,
"Lockout that an attacker cannot aim").

A browser that has completed a sign-in for a member carries a signed cookie naming itself (a
random id) and the members it signed in (keyed digests, never the member's id). Failures from
such a browser count against that browser's own budget; failures from any other browser count
against the member's shared "unknown browsers" budget. Guessing from elsewhere therefore
locks out the browsers that never knew the member, not the member on their own phone.

The cookie proves only that this browser signed this member in before: it grants nothing but a
separate failure budget, and a stolen cookie gives an attacker one more budget of the same
size, not a way in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Request, has_request_context, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from idp.config import ServerSettings
from idp.web.cookies import cookie_name

COOKIE = "idp_known"
MAX_MEMBERS = 5  # a family tablet
COOKIE_DAYS = 400  # the longest a browser keeps a cookie
_ID_LENGTH = 22


def _serializer(server: ServerSettings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server.secret_key, salt="idp known browser")


def _entry(member_id: int, server: ServerSettings) -> str:
    """The member as this cookie names them: keyed, so reading the cookie tells nothing."""
    secret = server.secret_key.encode()
    return hmac.new(secret, f"known:{member_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _read(incoming: Request, server: ServerSettings) -> tuple[str, list[str]] | None:
    raw = incoming.cookies.get(cookie_name(COOKIE))
    if not raw or len(raw) > 4096:
        return None
    try:
        value = _serializer(server).loads(raw, max_age=COOKIE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    browser, members = value.get("b"), value.get("m")
    if not isinstance(browser, str) or len(browser) != _ID_LENGTH or not isinstance(members, list):
        return None
    return browser, [m for m in members if isinstance(m, str)]


def known_browser(member_id: int, *, server: ServerSettings) -> str | None:
    """This request's browser id when it has signed ``member_id`` in before, else None (an
    unknown browser, or no request at all: a command line)."""
    if not has_request_context():
        return None
    found = _read(request, server)
    if found is None or _entry(member_id, server) not in found[1]:
        return None
    return found[0]


def remember_browser(response: Response, member_id: int, *, server: ServerSettings) -> None:
    """After a completed sign-in: this browser now knows the member (most recent first)."""
    found = _read(request, server)
    browser, members = found if found is not None else (secrets.token_urlsafe(16), [])
    entry = _entry(member_id, server)
    members = [entry, *(m for m in members if m != entry)][:MAX_MEMBERS]
    response.set_cookie(
        cookie_name(COOKIE),
        _serializer(server).dumps({"b": browser, "m": members}),
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        secure=server.https,
        samesite="Lax",
        path="/",
    )
