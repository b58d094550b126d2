"""One reading of a client's request at the token, introspection and revocation endpoints
(RFC 6749 §2.3, §3.2; docs/security.md, "Tokens").

A parameter given twice, two client-authentication methods in one request, or a ``client_id``
in the body naming another client than the ``Authorization`` header are refused with
``invalid_request`` before anything is looked up: a request must mean one thing, and the
client it authenticates is the one it names.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote

from flask import Response, request

# The body parameters that authenticate a client, by method (RFC 6749 §2.3.1, RFC 7523 §2.2).
BODY_METHODS = {"client_secret_post": "client_secret", "private_key_jwt": "client_assertion"}


def ambiguity() -> Response | None:
    """The ``invalid_request`` answer for an ambiguous request, or None when it is clear."""
    for name, values in request.form.lists():
        if len(values) > 1:
            return _invalid(f"The parameter {name} is repeated.")
    methods = [m for m, field in BODY_METHODS.items() if field in request.form]
    basic = _basic_client_id()
    if basic is not None:
        methods.append("client_secret_basic")
    if len(methods) > 1:
        return _invalid("Use one client authentication method per request.")
    named = request.form.get("client_id")
    if basic is not None and named is not None and named != basic:
        return _invalid("client_id does not name the authenticated client.")
    return None


def _basic_client_id() -> str | None:
    """The client id of an ``Authorization: Basic`` header (RFC 6749 §2.3.1 form-encodes
    it), or None without one; an undecodable header names no client."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):  # binascii.Error, non-ASCII text
        return ""
    return unquote(decoded.partition(":")[0])


def _invalid(description: str) -> Response:
    body = json.dumps({"error": "invalid_request", "error_description": description})
    return Response(
        body,
        status=400,
        content_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
