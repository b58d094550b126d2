"""JWKS (RFC 7517): the published verification keys, served as precomputed bytes."""

from __future__ import annotations

from flask import Response

from idp.oidc.blueprint import bp
from idp.runtime import runtime


@bp.get("/jwks.json")
def jwks() -> Response:
    body = runtime().keys.current().jwks_bytes
    return Response(
        body,
        mimetype="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )
