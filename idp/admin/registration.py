"""Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).

Off unless ``IDP_REGISTRATION_INITIAL_TOKEN`` is set: then ``POST /register`` with that
initial access token registers a relying party, and the registration access token it returns
manages that one client at ``/register/<client_id>``. Registered clients are third parties:
the rules of clients.yaml, members asked for consent (``consent: explicit``), a second factor
at every sign-in, only ``authorization_code`` / ``refresh_token`` and the member scopes (never
an ``idp:`` service scope). Metadata this server does not understand is ignored (RFC 7591 §2).

This module holds the rules, without Flask and without looking services up: the endpoints
(``registration_api.py``) pass the settings they read (``admin``, ``outbound``, the issuer).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, NoReturn
from urllib.parse import urlsplit

from idp.clients.schema import KNOWN_SCOPES, LOOPBACK_HOSTS
from idp.config import AdminSettings, OutboundSettings
from idp.models import OAuthClient
from idp.outbound.guard import OutboundRefused, check_url
from idp.text import find_control_characters, top_field

AUTH_METHODS = {"client_secret_basic": "confidential", "client_secret_post": "confidential",
                "none": "public"}  # fmt: skip
GRANT_TYPES = ("authorization_code", "refresh_token")
MAX_REDIRECT_URIS = 10  # per list, for a self-registered client


class RegistrationError(Exception):
    """An RFC 7591 §3.2.2 / RFC 6750 §3.1 error answer."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def client_data(
    metadata: dict[str, Any], *, policies: bool, outbound: OutboundSettings
) -> dict[str, Any]:
    """RFC 7591 §2 metadata → a client as clients.yaml describes it (``None``: default).
    ``policies`` adds the third-party rules (creation; an update keeps what an admin set);
    a back-channel URI is checked against ``outbound``'s allow list."""
    method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        refuse_field("token_endpoint_auth_method", f"must be one of {', '.join(AUTH_METHODS)}")
    if metadata.get("response_types", ["code"]) != ["code"]:
        refuse_field("response_types", 'only ["code"] is supported')
    grant_types = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grant_types, list) or not all(g in GRANT_TYPES for g in grant_types):
        refuse_field("grant_types", f"must be a list among {', '.join(GRANT_TYPES)}")
    if "authorization_code" not in grant_types:
        refuse_field("grant_types", "must include authorization_code (response type code)")
    scope = metadata.get("scope", "openid")
    if not isinstance(scope, str):
        refuse_field("scope", "must be space-separated scope values")
    for value in scope.split():
        if value not in KNOWN_SCOPES:
            refuse_field("scope", f"unknown scope {value!r}")
    backchannel = metadata.get("backchannel_logout_uri")
    if backchannel is not None:
        _check_outbound("backchannel_logout_uri", backchannel, outbound=outbound)
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
            refuse_field(field, f"at most {MAX_REDIRECT_URIS} URIs")
    uris = metadata.get("redirect_uris")
    if confidential and isinstance(uris, list):
        for uri in uris:
            if isinstance(uri, str) and _hostname(uri) in LOOPBACK_HOSTS:
                refuse_field("redirect_uris", "loopback redirects are for public native clients")


def _hostname(uri: str) -> str | None:
    try:
        return urlsplit(uri).hostname
    except ValueError:
        return None  # the client rules refuse it with their own reason


def registration_response(
    row: OAuthClient, token: str, secret: str | None = None, *, issuer: str
) -> dict[str, Any]:
    """RFC 7591 §3.2.1 / RFC 7592 §3, the client's URI under ``issuer``. The secret only
    exists in the registration answer; the registration access token is the one the caller
    holds."""
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
    body["registration_client_uri"] = f"{issuer}/register/{row.client_id}"
    return body


def read_metadata(body: object) -> dict[str, Any]:
    """The request's JSON body, if it is an object of client metadata whose every value,
    understood or ignored (``contacts``), is one line of text: a control character is refused
    before anything is looked at or stored (idp/text.py)."""
    if not isinstance(body, dict):
        refuse_field("-", "the body must be a JSON object of client metadata")
    where = find_control_characters(body)
    if where is not None:
        reason = f"field {where or '-'!r}: control characters are not allowed"
        raise RegistrationError(400, error_code_of(top_field(where)), reason)
    return body


def initial_access_token(settings: AdminSettings) -> str:
    """The initial access token; a 404 when registration is off (the endpoint does not
    exist)."""
    expected = settings.registration_token
    if not expected:
        raise RegistrationError(404, "not_found", "Dynamic client registration is off.")
    return expected


def _check_outbound(field: str, uri: object, *, outbound: OutboundSettings) -> None:
    """idp itself calls this URL: a third party must not point it at our own network
    (``idp/outbound``; checked again at every call, against DNS rebinding)."""
    if not isinstance(uri, str) or not uri.startswith("https://"):
        refuse_field(field, "must be an https URL")
    try:
        check_url(uri, outbound.allow_list())
    except OutboundRefused as refused:
        refuse_field(field, f"idp may not call this URL: {refused.public}")


def refuse_field(field: str, reason: str) -> NoReturn:
    """The answer naming the metadata ``field`` the caller got wrong (RFC 7591 §3.2.2)."""
    raise RegistrationError(400, error_code_of(field), f"field {field!r}: {reason}")


def error_code_of(field: str) -> str:
    """RFC 7591 §3.2.2: redirect URIs have their own error code."""
    return "invalid_redirect_uri" if field == "redirect_uris" else "invalid_client_metadata"
