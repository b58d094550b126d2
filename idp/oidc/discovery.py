"""Discovery: OpenID Provider Metadata and RFC 8414 authorization server metadata, built once
per process and served as bytes with caching headers."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Response

from idp.interaction.assurance import ACR_LEVELS
from idp.oidc.blueprint import bp
from idp.oidc.claims import RESPONSE_MODES, SUPPORTED_CLAIMS, SUPPORTED_SCOPES
from idp.runtime import runtime


def metadata(issuer: str, signing_alg: str, registration: bool = False) -> dict[str, Any]:
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks.json",
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": list(RESPONSE_MODES),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_alg],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": SUPPORTED_CLAIMS,
        "acr_values_supported": list(ACR_LEVELS),
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["fr", "en"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }
    if registration:  # dynamic client registration (RFC 7591) is switched on
        document["registration_endpoint"] = f"{issuer}/register"
    return document


@cache
def _document(issuer: str, signing_alg: str, registration: bool) -> bytes:
    return json.dumps(metadata(issuer, signing_alg, registration)).encode()


def _serve() -> Response:
    settings = runtime().settings
    return Response(
        _document(
            settings.server.issuer,
            settings.keys.signing_alg,
            settings.admin.registration_enabled,
        ),
        mimetype="application/json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    return _serve()


@bp.get("/.well-known/oauth-authorization-server")
def oauth_metadata() -> Response:
    return _serve()
