"""The protocol endpoints of an app: Authlib's server with the grants (``server.py``), the
endpoint classes it runs (revocation, introspection) and the blueprint every endpoint module
adds its route to."""

from __future__ import annotations

from flask import Flask

from idp.oidc import (
    authorize,
    discovery,
    end_session,
    introspection,
    jwks,
    revocation,
    token,
    userinfo,
)
from idp.oidc.blueprint import bp
from idp.oidc.server import build_server

ENDPOINTS = (authorize, discovery, end_session, introspection, jwks, revocation, token, userinfo)


def init_app(app: Flask) -> None:
    server = build_server(app)
    server.register_endpoint(revocation.Revocation)
    server.register_endpoint(introspection.Introspection)
    app.register_blueprint(bp)
