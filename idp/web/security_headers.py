"""Security headers on every response (docs/security.md) and CORS on the four public endpoints."""

from __future__ import annotations

from flask import Flask, Response, request

from idp.runtime import runtime

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Endpoints a browser-based relying party may call from another origin (no credentials).
CORS_ENDPOINTS = frozenset({"oidc.token", "oidc.userinfo", "oidc.discovery", "oidc.jwks",
                            "oidc.oauth_metadata"})  # fmt: skip


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)


def _add_headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if runtime().settings.server.https:
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html" or request.endpoint in ("oidc.token",):
        # Sign-in pages and token responses must never be cached (RFC 6749 §5.1).
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    if request.endpoint in CORS_ENDPOINTS:
        h["Access-Control-Allow-Origin"] = "*"
        h["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        h["Access-Control-Allow-Headers"] = "Authorization, Content-Type, DPoP"
        h["Access-Control-Max-Age"] = "600"
        h["Access-Control-Expose-Headers"] = "WWW-Authenticate"
    return response
