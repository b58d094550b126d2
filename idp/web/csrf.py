"""CSRF protection for every HTML form: a random token in the signed session cookie, echoed
in a hidden ``csrf_token`` input, compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

from idp.errors import CsrfFailure

SESSION_KEY = "csrf"


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return str(token)


def check_csrf() -> None:
    """Raise :class:`CsrfFailure` unless the posted token (form field, or the ``X-CSRF-Token``
    header of a script's request) matches this browser's."""
    expected = session.get(SESSION_KEY)
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise CsrfFailure()


def browser_id() -> str:
    """A random id for this browser, kept in the signed session cookie; binds a pending
    sign-in to the browser that started it."""
    value = session.get("bid")
    if not value:
        value = secrets.token_urlsafe(24)
        session["bid"] = value
    return str(value)
