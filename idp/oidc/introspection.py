"""Token introspection (RFC 7662). A client may introspect the tokens issued to it."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Response

from idp.oidc.blueprint import bp
from idp.oidc.server import get_server
from idp.oidc.strict_requests import ambiguity
from idp.runtime import runtime
from idp.tokens.issued import Tokens
from idp.tokens.lookup import lookup


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

    def check_params(self, request, client):
        """``token`` is required; an unknown ``token_type_hint`` is ignored and every kind of
        token searched (RFC 7009 §2.1, RFC 7662 §2.1), never a 401."""
        if not request.form.get("token"):
            raise InvalidRequestError("Missing 'token'.")

    def query_token(self, token_string, token_type_hint):
        return lookup(token_string, token_type_hint, Tokens.of(runtime()))

    def check_permission(self, token, client, request):
        return token.check_client(client)

    def introspect_token(self, token):
        return token.introspection()


@bp.post("/introspect")
def introspect() -> Response:
    refused = ambiguity()
    if refused is not None:
        return refused
    response = get_server().create_endpoint_response(Introspection.ENDPOINT_NAME)
    response.headers["Cache-Control"] = "no-store"
    return response
