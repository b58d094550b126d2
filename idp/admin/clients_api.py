"""Admin API: OAuth clients (issue 7 §3), for callers with scope ``idp:admin``.

Create, list, show, update, rotate the secret, disable, enable, delete. The rules are those
of clients.yaml (``idp/clients/admin.py`` does the work); clients from clients.yaml are
read-only here (409 ``read_only``). A secret appears once, in the answer that creates it,
which is never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from idp.admin.api import ADMIN, bp, caller, json_body, requires
from idp.admin.openapi import operation
from idp.clients import admin as clients
from idp.config import LIFETIME_BOUNDS
from idp.models import OAuthClient
from idp.runtime import runtime

CLIENT_ID_PARAMETER = [
    {"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}
]
URIS = {"type": "array", "items": {"type": "string", "format": "uri"}}
CLIENT_FIELDS: dict[str, Any] = {
    "client_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
    "name": {"type": "string", "maxLength": 200},
    "type": {"enum": ["confidential", "public"]},
    "redirect_uris": URIS,
    "post_logout_redirect_uris": URIS,
    "backchannel_logout_uri": {"type": ["string", "null"], "format": "uri"},
    "client_uri": {"type": ["string", "null"], "format": "uri"},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "grant_types": {
        "type": "array",
        "items": {"enum": ["authorization_code", "refresh_token", "client_credentials"]},
    },
    "require_pkce": {"type": "boolean"},
    "second_factor": {"enum": ["always", "new_device"]},
    "webauthn": {"enum": ["never", "offer"]},
    "consent": {"enum": ["implicit", "explicit"]},
    "access": {
        "type": ["object", "null"],
        "required": ["requires_contract"],
        "properties": {
            "requires_contract": {"enum": ["health", "provident"]},
            "message": {"type": "string"},
            "suggest_client": {"type": "string"},
        },
    },
    **{
        ttl: {"type": ["integer", "null"], "minimum": low, "maximum": high}
        for ttl, (low, high) in LIFETIME_BOUNDS.items()
    },
}
NEW_CLIENT = {
    "type": "object",
    "description": "A client as clients.yaml describes it; the secret is generated.",
    "required": ["name", "type"],
    "additionalProperties": False,
    "properties": CLIENT_FIELDS,
}
CLIENT_CHANGES = {
    "type": "object",
    "description": "Fields to change; null puts a field back to its default.",
    "additionalProperties": False,
    "properties": CLIENT_FIELDS,
}
REJECTED = "Invalid client metadata: `problems` names each field"


@bp.errorhandler(clients.ClientChangeRejected)
def _rejected(error: clients.ClientChangeRejected) -> tuple[Response, int]:
    message = "The client breaks the rules of clients.yaml; nothing was changed."
    return _no_store(
        jsonify(error="invalid_client_metadata", message=message, problems=error.problems)
    ), 400


@bp.errorhandler(clients.ClientNotFound)
def _not_found(error: clients.ClientNotFound) -> tuple[Response, int]:
    return _no_store(jsonify(error="not_found", message=str(error))), 404


@bp.errorhandler(clients.ClientReadOnly)
def _read_only(error: clients.ClientReadOnly) -> tuple[Response, int]:
    return _no_store(jsonify(error="read_only", message=str(error))), 409


@bp.errorhandler(clients.ClientExists)
def _exists(error: clients.ClientExists) -> tuple[Response, int]:
    return _no_store(jsonify(error="conflict", message=str(error))), 409


operation(
    "/clients",
    "get",
    "List the clients",
    scope=ADMIN,
    responses={200: "`clients`: every client, file-managed ones included"},
)


@bp.get("/clients")
@requires("admin")
def list_clients() -> Response:
    clock = runtime().clock
    views = [clients.client_view(c, clock=clock) for c in clients.list_clients()]
    return _no_store(jsonify(clients=views))


operation(
    "/clients",
    "post",
    "Register a client (its secret is shown once)",
    scope=ADMIN,
    body=NEW_CLIENT,
    responses={
        201: "The client, with `client_secret` for a confidential client",
        400: REJECTED,
        409: "`conflict`: this client_id exists",
    },
)


@bp.post("/clients")
@requires("admin")
def create_client() -> tuple[Response, int]:
    row, secret = _changes().create_client(json_body(), caller().actor)
    body = _view(row)
    if secret is not None:
        body["client_secret"] = secret
    response = _no_store(jsonify(body))
    response.headers["Location"] = url_for(".show_client", client_id=row.client_id)
    return response, 201


operation(
    "/clients/{client_id}",
    "get",
    "Show a client",
    scope=ADMIN,
    parameters=CLIENT_ID_PARAMETER,
    responses={200: "The client", 404: "No such client"},
)


@bp.get("/clients/<client_id>")
@requires("admin")
def show_client(client_id: str) -> Response:
    return _no_store(jsonify(_view(clients.get_client(client_id))))


operation(
    "/clients/{client_id}",
    "patch",
    "Change a client's settings",
    scope=ADMIN,
    parameters=CLIENT_ID_PARAMETER,
    body=CLIENT_CHANGES,
    responses={
        200: "The client as it is now",
        400: REJECTED,
        404: "No such client",
        409: "`read_only`: the client comes from clients.yaml",
    },
)


@bp.patch("/clients/<client_id>")
@requires("admin")
def update_client(client_id: str) -> Response:
    row = _changes().update_client(client_id, json_body(), caller().actor)
    return _no_store(jsonify(_view(row)))


operation(
    "/clients/{client_id}/rotate-secret",
    "post",
    "New secret (shown once); the previous one works until the grace period ends",
    scope=ADMIN,
    parameters=CLIENT_ID_PARAMETER,
    responses={
        200: "`client_secret` and `secret_rotation_grace_until`",
        400: "A public client has no secret",
        404: "No such client",
        409: "`read_only`: the client comes from clients.yaml",
    },
)


@bp.post("/clients/<client_id>/rotate-secret")
@requires("admin")
def rotate_secret(client_id: str) -> Response:
    secret = _changes().rotate_secret(client_id, caller().actor)
    view = _view(clients.get_client(client_id))
    return _no_store(
        jsonify(
            client_id=client_id,
            client_secret=secret,
            secret_rotation_grace_until=view["secret_rotation_grace_until"],
        )
    )


for _action, _summary in (("disable", "Disable a client"), ("enable", "Enable a client again")):
    operation(
        f"/clients/{{client_id}}/{_action}",
        "post",
        _summary,
        scope=ADMIN,
        parameters=CLIENT_ID_PARAMETER,
        responses={
            200: "The client as it is now",
            404: "No such client",
            409: "`read_only`: the client comes from clients.yaml",
        },
    )


@bp.post("/clients/<client_id>/disable")
@requires("admin")
def disable_client(client_id: str) -> Response:
    row = _changes().set_disabled(client_id, True, caller().actor)
    return _no_store(jsonify(_view(row)))


@bp.post("/clients/<client_id>/enable")
@requires("admin")
def enable_client(client_id: str) -> Response:
    row = _changes().set_disabled(client_id, False, caller().actor)
    return _no_store(jsonify(_view(row)))


operation(
    "/clients/{client_id}",
    "delete",
    "Delete a client with its refresh tokens and consents",
    scope=ADMIN,
    parameters=CLIENT_ID_PARAMETER,
    responses={
        204: "Deleted",
        404: "No such client",
        409: "`read_only`: the client comes from clients.yaml",
    },
)


@bp.delete("/clients/<client_id>")
@requires("admin")
def delete_client(client_id: str) -> tuple[str, int]:
    _changes().delete_client(client_id, caller().actor)
    return "", 204


def _changes() -> clients.ClientChanges:
    """The changes of clients, on this app's settings, Redis and clock."""
    return clients.ClientChanges.of(runtime())


def _view(row: OAuthClient) -> dict[str, Any]:
    """A client as the API shows it, the secret's grace read on this app's clock."""
    return clients.client_view(row, clock=runtime().clock)


def _no_store(response: Response) -> Response:
    """Admin answers (secrets above all) are for the caller only, never for a cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
