"""Token revocation (RFC 7009)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Response

from idp import audit
from idp.db import db
from idp.oidc.blueprint import bp
from idp.oidc.server import get_server
from idp.oidc.strict_requests import ambiguity
from idp.runtime import runtime
from idp.tokens.issued import Tokens
from idp.tokens.lookup import lookup


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")

    def check_params(self, request, client):
        """``token`` is required; an unknown ``token_type_hint`` is ignored and every kind of
        token searched (RFC 7009 §2.1, RFC 7662 §2.1), never a 401."""
        if not request.form.get("token"):
            raise InvalidRequestError("Missing 'token'.")

    def query_token(self, token_string, token_type_hint):
        return lookup(token_string, token_type_hint, Tokens.of(runtime()))

    def revoke_token(self, token, request):
        token.revoke()
        audit.record("token.revoked", client_id=request.client.client_id,
                     **token.audit_detail())  # fmt: skip
        db.session.commit()


@bp.post("/revoke")
def revoke() -> Response:
    refused = ambiguity()
    if refused is not None:
        return refused
    return get_server().create_endpoint_response(Revocation.ENDPOINT_NAME)
