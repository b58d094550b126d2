"""Token endpoint (RFC 6749 §3.2): authorization_code, refresh_token, client_credentials."""

from __future__ import annotations

from flask import Response

from idp.oidc.blueprint import bp
from idp.oidc.server import get_server
from idp.oidc.strict_requests import ambiguity


@bp.route("/token", methods=["POST", "OPTIONS"])
def token() -> Response:
    from flask import request

    if request.method == "OPTIONS":
        return Response(status=204)
    refused = ambiguity()
    if refused is not None:
        return refused
    response = get_server().create_token_response()
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
