"""Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).

Off unless ``IDP_REGISTRATION_INITIAL_TOKEN`` is set: then ``POST /register`` with that
initial access token registers a relying party, and the registration access token it returns
manages that one client at ``/register/<client_id>``. Registered clients are third parties:
the rules of clients.yaml, members asked for consent (``consent: explicit``), a second factor
at every sign-in, only ``authorization_code`` / ``refresh_token`` and the member scopes (never
an ``idp:`` service scope). Metadata this server does not understand is ignored (RFC 7591 §2).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request

from idp.clients import admin as clients
from idp.clients.registry import RegisteredClient
from idp.clients.schema import KNOWN_SCOPES, LOOPBACK_HOSTS
from idp.models import OAuthClient
from idp.outbound.guard import OutboundRefused, check_url
from idp.runtime import runtime
from idp.text import find_control_characters, top_field

bp = Blueprint("registration", __name__)

AUTH_METHODS = {"client_secret_basic": "confidential", "client_secret_post": "confidential",
                "none": "public"}  # fmt: skip
GRANT_TYPES = ("authorization_code", "refresh_token")
# Our field names → RFC 7591 metadata names, so errors speak the caller's vocabulary.
MAX_REDIRECT_URIS = 10  # per list, for a self-registered client
RFC_NAMES = {"name": "client_name", "scopes": "scope", "type": "token_endpoint_auth_method"}


class RegistrationError(Exception):
    """An RFC 7591 §3.2.2 / RFC 6750 §3.1 error answer."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@bp.errorhandler(RegistrationError)
def _error(error: RegistrationError) -> Response:
    response = _no_store(jsonify(error=error.error, error_description=error.description))
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return response


@bp.errorhandler(clients.ClientChangeRejected)
def _rejected(error: clients.ClientChangeRejected) -> Response:
    field = error.fields[0]
    code = _error_code(field)
    rfc = RFC_NAMES.get(field, field)
    description = error.problems[0].replace(f"field {field!r}", f"field {rfc!r}", 1)
    return _error(RegistrationError(400, code, description))


@bp.post("/register")
def register() -> tuple[Response, int]:
    """RFC 7591 §3.1: the initial access token, then the client's metadata."""
    expected = _enabled()
    if not hmac.compare_digest(_bearer().encode(), expected.encode()):
        raise RegistrationError(401, "invalid_token", "The initial access token is not valid.")
    data = client_data(_metadata(), policies=True)
    token = secrets.token_urlsafe(32)
    row, secret = clients.ClientChanges.of(runtime()).create_client(
        data, "registration", managed_by="registration", registration_token=token
    )
    return _no_store(jsonify(registration_response(row, token, secret))), 201


@bp.get("/register/<client_id>")
def read_registration(client_id: str) -> Response:
    """RFC 7592 §2.1."""
    row, token = _managed(client_id)
    return _no_store(jsonify(registration_response(row, token)))


@bp.put("/register/<client_id>")
def update_registration(client_id: str) -> Response:
    """RFC 7592 §2.2: the whole metadata again; what is left out goes back to its default."""
    row, token = _managed(client_id)
    metadata = _metadata()
    if metadata.get("client_id") != client_id:
        _invalid("client_id", "must be the client_id of this registration")
    secret = metadata.get("client_secret")
    rt = runtime()
    current = RegisteredClient.from_row(row, rt.clock, rt.passwords)
    if secret is not None and not current.check_client_secret(secret):
        _invalid("client_secret", "does not match the client's current secret")
    data = client_data(metadata, policies=False)
    row = clients.ClientChanges.of(rt).update_client(client_id, data, f"registration:{client_id}")
    return _no_store(jsonify(registration_response(row, token)))


@bp.delete("/register/<client_id>")
def delete_registration(client_id: str) -> tuple[str, int]:
    """RFC 7592 §2.3."""
    _managed(client_id)
    clients.ClientChanges.of(runtime()).delete_client(client_id, f"registration:{client_id}")
    return "", 204


def client_data(metadata: dict[str, Any], *, policies: bool) -> dict[str, Any]:
    """RFC 7591 §2 metadata → a client as clients.yaml describes it (``None``: default).
    ``policies`` adds the third-party rules (creation; an update keeps what an admin set)."""
    method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        _invalid("token_endpoint_auth_method", f"must be one of {', '.join(AUTH_METHODS)}")
    if metadata.get("response_types", ["code"]) != ["code"]:
        _invalid("response_types", 'only ["code"] is supported')
    grant_types = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grant_types, list) or not all(g in GRANT_TYPES for g in grant_types):
        _invalid("grant_types", f"must be a list among {', '.join(GRANT_TYPES)}")
    if "authorization_code" not in grant_types:
        _invalid("grant_types", "must include authorization_code (response type code)")
    scope = metadata.get("scope", "openid")
    if not isinstance(scope, str):
        _invalid("scope", "must be space-separated scope values")
    for value in scope.split():
        if value not in KNOWN_SCOPES:
            _invalid("scope", f"unknown scope {value!r}")
    backchannel = metadata.get("backchannel_logout_uri")
    if backchannel is not None:
        _check_outbound("backchannel_logout_uri", backchannel)
    _check_redirects(metadata, confidential=AUTH_METHODS[method] == "confidential")
    data: dict[str, Any] = {
        "name": metadata.get("client_name"),
        "type": AUTH_METHODS[method],
        "redirect_uris": metadata.get("redirect_uris"),
        "post_logout_redirect_uris": metadata.get("post_logout_redirect_uris"),
        "backchannel_logout_uri": metadata.get("backchannel_logout_uri"),
        "client_uri": metadata.get("client_uri"),
        "scopes": scope.split() or None,
        "grant_types": grant_types,
    }
    if policies:
        data.update(consent="explicit", second_factor="always", webauthn="never")
    return data


def _check_redirects(metadata: dict[str, Any], *, confidential: bool) -> None:
    """A third party registers a handful of redirect URIs, and a confidential client (a web
    server) none on loopback: ``http://127.0.0.1`` is for native apps (RFC 8252 §7.3)."""
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        uris = metadata.get(field)
        if isinstance(uris, list) and len(uris) > MAX_REDIRECT_URIS:
            _invalid(field, f"at most {MAX_REDIRECT_URIS} URIs")
    uris = metadata.get("redirect_uris")
    if confidential and isinstance(uris, list):
        for uri in uris:
            if isinstance(uri, str) and _hostname(uri) in LOOPBACK_HOSTS:
                _invalid("redirect_uris", "loopback redirects are for public native clients")


def _hostname(uri: str) -> str | None:
    try:
        return urlsplit(uri).hostname
    except ValueError:
        return None  # the client rules refuse it with their own reason


def registration_response(
    row: OAuthClient, token: str, secret: str | None = None
) -> dict[str, Any]:
    """RFC 7591 §3.2.1 / RFC 7592 §3. The secret only exists in the registration answer;
    the registration access token is the one the caller holds."""
    settings = row.settings or {}
    body: dict[str, Any] = {
        "client_id": row.client_id,
        "client_id_issued_at": int(row.created_at.replace(tzinfo=UTC).timestamp()),
        "client_name": row.name,
        "redirect_uris": settings.get("redirect_uris", []),
        "post_logout_redirect_uris": settings.get("post_logout_redirect_uris", []),
        "grant_types": settings.get("grant_types", []),
        "response_types": ["code"],
        # Both secret methods are accepted at the token endpoint; basic is the one we state.
        "token_endpoint_auth_method": (
            "none" if row.client_type == "public" else "client_secret_basic"
        ),
        "scope": " ".join(settings.get("scopes", [])),
    }
    for name in ("backchannel_logout_uri", "client_uri"):
        if settings.get(name):
            body[name] = settings[name]
    if secret is not None:
        body["client_secret"] = secret
    if row.client_type == "confidential":
        body["client_secret_expires_at"] = 0  # never
    body["registration_access_token"] = token
    body["registration_client_uri"] = f"{runtime().settings.server.issuer}/register/{row.client_id}"
    return body


def _enabled() -> str:
    """The initial access token; a 404 when registration is off (the endpoint does not
    exist)."""
    expected = runtime().settings.admin.registration_token
    if not expected:
        raise RegistrationError(404, "not_found", "Dynamic client registration is off.")
    return expected


def _managed(client_id: str) -> tuple[OAuthClient, str]:
    """RFC 7592 §2: the registration access token of this very client, or 401."""
    _enabled()
    token = _bearer()
    row = clients.registered_client(client_id, token) if token else None
    if row is None:
        raise RegistrationError(401, "invalid_token", "The registration access token is not "
                                "valid for this client.")  # fmt: skip
    return row, token


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _metadata() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        _invalid("-", "the body must be a JSON object of client metadata")
    # Every metadata value, understood or ignored (``contacts``), is one line of text: a
    # control character is refused before anything is looked at or stored (idp/text.py).
    where = find_control_characters(body)
    if where is not None:
        reason = f"field {where or '-'!r}: control characters are not allowed"
        raise RegistrationError(400, _error_code(top_field(where)), reason)
    return body


def _check_outbound(field: str, uri: object) -> None:
    """idp itself calls this URL: a third party must not point it at our own network
    (``idp/outbound``; checked again at every call, against DNS rebinding)."""
    if not isinstance(uri, str) or not uri.startswith("https://"):
        _invalid(field, "must be an https URL")
    try:
        check_url(uri, runtime().settings.outbound.allow_list())
    except OutboundRefused as refused:
        _invalid(field, f"idp may not call this URL: {refused.public}")


def _invalid(field: str, reason: str) -> NoReturn:
    raise RegistrationError(400, _error_code(field), f"field {field!r}: {reason}")


def _error_code(field: str) -> str:
    """RFC 7591 §3.2.2: redirect URIs have their own error code."""
    return "invalid_redirect_uri" if field == "redirect_uris" else "invalid_client_metadata"


def _no_store(response: Response) -> Response:
    """RFC 7591 §3.2.1: answers carrying credentials are never cached."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
