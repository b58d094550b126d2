"""Cookie names with the browser-enforced prefixes (RFC 6265bis §4.1.3).

Over HTTPS, a site-wide cookie is named ``__Host-<name>``: the browser accepts it only with
``Secure``, ``Path=/`` and no ``Domain``, so neither a sibling subdomain nor a plain-HTTP page
can plant or overwrite it (session fixation, a forced sign-in). A cookie scoped to a path
(the console's ``/admin``) cannot be ``__Host-`` and is named ``__Secure-<name>``. Over plain
HTTP (development on 127.0.0.1) browsers refuse both prefixes, so the plain name is used.
"""

from __future__ import annotations

from flask import request

from idp.runtime import runtime


def prefixed(name: str, https: bool, path: str = "/") -> str:
    if not https:
        return name
    return f"__Host-{name}" if path == "/" else f"__Secure-{name}"


def cookie_name(name: str, path: str = "/") -> str:
    """``name`` as this deployment's cookies carry it."""
    return prefixed(name, runtime().settings.server.https, path)


def read_cookie(name: str, path: str = "/") -> str | None:
    """The value this request's browser sent for the cookie ``name``."""
    return request.cookies.get(cookie_name(name, path))
