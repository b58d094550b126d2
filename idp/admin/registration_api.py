"""The endpoints of dynamic client registration (RFC 7591 ``POST /register``) and of its
management protocol (RFC 7592 ``/register/<client_id>``): they read the request and the
settings, and leave the rules to ``registration.py``."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request

from idp.admin.registration import (
    RegistrationError,
    client_data,
    error_code_of,
    initial_access_token,
    read_metadata,
    refuse_field,
    registration_response,
)
from idp.clients import admin as clients
from idp.clients.registry import RegisteredClient
from idp.config import AdminSettings
from idp.models import OAuthClient
from idp.runtime import runtime

bp = Blueprint("registration", __name__)

# Our field names → RFC 7591 metadata names, so errors speak the caller's vocabulary.
RFC_NAMES = {"name": "client_name", "scopes": "scope", "type": "token_endpoint_auth_method"}


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
    code = error_code_of(field)
    rfc = RFC_NAMES.get(field, field)
    description = error.problems[0].replace(f"field {field!r}", f"field {rfc!r}", 1)
    return _error(RegistrationError(400, code, description))


@bp.post("/register")
def register() -> tuple[Response, int]:
    """RFC 7591 §3.1: the initial access token, then the client's metadata."""
    settings = runtime().settings
    expected = initial_access_token(settings.admin)
    if not hmac.compare_digest(_bearer().encode(), expected.encode()):
        raise RegistrationError(401, "invalid_token", "The initial access token is not valid.")
    data = client_data(_metadata(), policies=True, outbound=settings.outbound)
    token = secrets.token_urlsafe(32)
    row, secret = clients.ClientChanges.of(runtime()).create_client(
        data, "registration", managed_by="registration", registration_token=token
    )
    body = registration_response(row, token, secret, issuer=settings.server.issuer)
    return _no_store(jsonify(body)), 201


@bp.get("/register/<client_id>")
def read_registration(client_id: str) -> Response:
    """RFC 7592 §2.1."""
    settings = runtime().settings
    row, token = _managed(client_id, settings.admin)
    return _no_store(jsonify(registration_response(row, token, issuer=settings.server.issuer)))


@bp.put("/register/<client_id>")
def update_registration(client_id: str) -> Response:
    """RFC 7592 §2.2: the whole metadata again; what is left out goes back to its default."""
    rt = runtime()
    row, token = _managed(client_id, rt.settings.admin)
    metadata = _metadata()
    if metadata.get("client_id") != client_id:
        refuse_field("client_id", "must be the client_id of this registration")
    secret = metadata.get("client_secret")
    current = RegisteredClient.from_row(row, rt.clock, rt.passwords)
    if secret is not None and not current.check_client_secret(secret):
        refuse_field("client_secret", "does not match the client's current secret")
    data = client_data(metadata, policies=False, outbound=rt.settings.outbound)
    row = clients.ClientChanges.of(rt).update_client(client_id, data, f"registration:{client_id}")
    return _no_store(jsonify(registration_response(row, token, issuer=rt.settings.server.issuer)))


@bp.delete("/register/<client_id>")
def delete_registration(client_id: str) -> tuple[str, int]:
    """RFC 7592 §2.3."""
    _managed(client_id, runtime().settings.admin)
    clients.ClientChanges.of(runtime()).delete_client(client_id, f"registration:{client_id}")
    return "", 204


def _managed(client_id: str, settings: AdminSettings) -> tuple[OAuthClient, str]:
    """RFC 7592 §2: the registration access token of this very client, or 401."""
    initial_access_token(settings)
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
    return read_metadata(request.get_json(silent=True))


def _no_store(response: Response) -> Response:
    """RFC 7591 §3.2.1: answers carrying credentials are never cached."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
