"""The admin API's OpenAPI 3.1 document, served at ``/admin/api/openapi.json``.

Each API module describes its operations next to its routes with :func:`operation`; the
document is assembled from them, so it cannot drift from what is served.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from idp.admin.api import ADMIN, SUPPORT, bp
from idp.runtime import runtime

PATHS: dict[str, dict[str, Any]] = {}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


def operation(
    path: str,
    method: str,
    summary: str,
    *,
    scope: str,
    body: dict[str, Any] | None = None,
    responses: dict[int, str] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    media_types: dict[int, str] | None = None,
) -> None:
    """Describe one operation (``path`` in OpenAPI form: ``/clients/{client_id}``).
    Answers are JSON objects unless ``media_types`` names another type for a status."""
    answers: dict[str, Any] = {
        str(status): {"description": text} for status, text in (responses or {200: "OK"}).items()
    }
    for status, text in (
        (400, "A bad parameter or body: control characters, out of range (the message names it)"),
        (401, "No valid token"),
        (403, "Not allowed for this token"),
    ):
        answers.setdefault(str(status), {"description": text})
    other = {str(status): media for status, media in (media_types or {}).items()}
    for code, answer in answers.items():
        if code in other:
            answer.setdefault("content", {other[code]: {"schema": {"type": "string"}}})
        elif code != "204":  # No Content
            answer.setdefault("content", {"application/json": {"schema": {"type": "object"}}})
    entry: dict[str, Any] = {
        "summary": summary,
        "security": [{"oauth2": [scope]}],
        "responses": answers,
    }
    if parameters:
        entry["parameters"] = parameters
    if body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    PATHS.setdefault(path, {})[method.lower()] = entry


def document() -> dict[str, Any]:
    issuer = runtime().settings.server.issuer
    return {
        "openapi": "3.1.0",
        "info": {"title": "idp admin API", "version": "1"},
        "servers": [{"url": f"{issuer}/admin/api"}],
        "components": {
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{issuer}/token",
                            "scopes": {
                                ADMIN: "everything: clients, members, audit log",
                                SUPPORT: "member support and the audit log",
                            },
                        }
                    },
                }
            },
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "paths": dict(sorted(PATHS.items())),
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
