"""CSRF protection for every HTML form, members' and staff's alike: one mechanism.

Two independent checks, both required on every state-changing POST of a page:

- the synchronizer token: a random value in the signed session cookie, echoed in a hidden
  ``csrf_token`` input (or the ``X-CSRF-Token`` header of a script's request), compared in
  constant time;
- the request's origin: a browser's ``Sec-Fetch-Site`` must say ``same-origin`` (or ``none``,
  the member's own action), and an ``Origin`` header must be the issuer's (or this host's)
  origin (``null``, sent under our ``no-referrer`` policy, leaves the decision to
  ``Sec-Fetch-Site``). Requests without these headers (old browsers, non-browser clients)
  rely on the token.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import request, session

from idp.errors import CsrfFailure
from idp.runtime import runtime

SESSION_KEY = "csrf"
SAME_ORIGIN_SITES = ("same-origin", "none")


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return str(token)


def check_csrf() -> None:
    """Raise :class:`CsrfFailure` unless the request comes from our own pages: same origin,
    and the posted token (form field, or the ``X-CSRF-Token`` header of a script's request)
    matches this browser's."""
    check_same_origin()
    expected = session.get(SESSION_KEY)
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    # Bytes: ``compare_digest`` raises on a str that is not ASCII (a forged token).
    if not expected or not hmac.compare_digest(str(expected).encode(), given.encode()):
        raise CsrfFailure()


def check_same_origin() -> None:
    """Fetch Metadata and ``Origin`` (OWASP CSRF cheat sheet): a POST sent by another
    site's page is refused before anything else is looked at."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in SAME_ORIGIN_SITES:
        raise CsrfFailure("cross-site request")
    origin = request.headers.get("Origin")
    # ``null``: our pages send ``Referrer-Policy: no-referrer``, under which browsers hide
    # the origin of a same-origin form; Fetch Metadata above has decided then.
    if origin is not None and origin != "null" and origin not in _own_origins():
        raise CsrfFailure("foreign origin")


def _own_origins() -> tuple[str, str]:
    issuer = urlsplit(runtime().settings.server.issuer)
    return f"{issuer.scheme}://{issuer.netloc}", request.host_url.rstrip("/")


def browser_id() -> str:
    """A random id for this browser, kept in the signed session cookie; binds a pending
    sign-in to the browser that started it."""
    value = session.get("bid")
    if not value:
        value = secrets.token_urlsafe(24)
        session["bid"] = value
    return str(value)
