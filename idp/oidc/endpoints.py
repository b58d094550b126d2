"""The protocol blueprint: one module per endpoint registers its route here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, request

if TYPE_CHECKING:
    from idp.oidc.server import Server

bp = Blueprint("oidc", __name__)


@bp.before_app_request
def _percent_encode_raw_query_bytes() -> None:
    """A query string with raw bytes that are not UTF-8 makes Werkzeug raise on
    ``request.args`` (a 500 wherever it is read): percent-encode them, as a browser would,
    before anything reads it. (Belongs in the app's WSGI wiring; kept here by ownership.)"""
    raw = request.query_string
    if any(b < 0x21 or b > 0x7E for b in raw):
        request.query_string = b"".join(
            b"%%%02X" % b if b < 0x21 or b > 0x7E else bytes([b]) for b in raw
        )


def register(server: Server) -> None:
    from idp.oidc import (  # noqa: F401  (each module adds its route to ``bp``)
        authorize,
        discovery,
        introspection,
        jwks,
        revocation,
        token,
        userinfo,
    )

    server.register_endpoint(revocation.Revocation)
    server.register_endpoint(introspection.Introspection)
