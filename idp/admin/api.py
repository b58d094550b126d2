"""The admin API's blueprint, its callers and its errors.

Callers are services holding an access token from the token endpoint's
``client_credentials`` grant with scope ``idp:admin`` (everything) or ``idp:support``
(member support only). A member's token is refused (403) whatever its scopes: the subject of
an admin call is always a registered service, never a person signed in somewhere. Errors are
JSON ``{"error": code, "message": text}`` with the HTTP status that fits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from idp.clients.registry import ClientRegistry
from idp.errors import IdPError
from idp.runtime import runtime
from idp.text import find_control_characters, has_control_characters
from idp.tokens.issued import Tokens
from idp.web.unavailable import conflict_response, outage_response

log = logging.getLogger(__name__)
bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")

ADMIN = "idp:admin"
SUPPORT = "idp:support"
ROLE_SCOPES = {"admin": (ADMIN,), "support": (ADMIN, SUPPORT)}

F = TypeVar("F", bound=Callable[..., Any])


class ApiError(IdPError):
    """An admin API error: ``code`` (machine), ``text`` (a person reads it), HTTP status."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


@dataclass(frozen=True)
class Caller:
    """Who calls: the service (its client_id) and the scopes its token carries."""

    client_id: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"client:{self.client_id}"


def _authenticate() -> Caller:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "invalid_token", "A bearer access token is required.")
    claims = Tokens.of(runtime()).verify_access_token(token.strip())
    if claims is None:
        raise ApiError(401, "invalid_token", "The access token is invalid or expired.")
    client_id = claims.get("client_id")
    # client_credentials tokens name the service as their subject and carry no sign-in.
    if claims.get("sub") != client_id or "auth_time" in claims:
        raise ApiError(403, "forbidden", "Member tokens cannot call the admin API.")
    if ClientRegistry.of(runtime()).find(str(client_id)) is None:
        raise ApiError(401, "invalid_token", "The client of this token is disabled.")
    return Caller(str(client_id), frozenset(str(claims.get("scope", "")).split()))


def requires(role: str) -> Callable[[F], F]:
    """The route needs a caller whose token carries one of the scopes of ``role``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = _authenticate()
            if not caller.scopes & set(ROLE_SCOPES[role]):
                raise ApiError(403, "insufficient_scope",
                               f"This call needs the scope {ROLE_SCOPES[role][0]}.")  # fmt: skip
            g.admin_caller = caller
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def caller() -> Caller:
    return cast(Caller, g.admin_caller)


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    # Text the API stores or searches never holds control characters (idp/text.py); a line
    # feed or tab is fine in free text, and the fields that cannot hold one refuse it.
    where = find_control_characters(body, lines=True)
    if where is not None:
        raise ApiError(
            400, "invalid_request", f"{where or 'body'}: control characters are not allowed."
        )
    return body


@bp.after_request
def _no_store(response: Response) -> Response:
    """Members' personal data, clients, the audit log: no answer is kept by a cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.before_request
def _refuse_control_characters() -> None:
    """A query parameter with a control character is refused, naming it (as the body's
    fields are by :func:`json_body`), before any handler reads it."""
    for name, value in request.args.items(multi=True):
        if has_control_characters(value, lines=True) or has_control_characters(name, lines=True):
            raise ApiError(
                400, "invalid_request", f"{name[:40]!r}: control characters are not allowed."
            )


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    response = jsonify(error=error.code, message=error.text)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error.code}"'
    response.headers["Cache-Control"] = "no-store"
    return response, error.status


@bp.errorhandler(404)
def _not_found(_: Exception) -> tuple[Response, int]:
    return jsonify(error="not_found", message="No such resource."), 404


@bp.errorhandler(405)
def _not_allowed(_: Exception) -> tuple[Response, int]:
    return jsonify(error="method_not_allowed", message="This method is not allowed here."), 405


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    status = error.code or 500
    return jsonify(error="http_error", message=error.name), status


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response | tuple[Response, int]:
    """A JSON answer for API callers, the details only in the server log; 503 when Redis or
    the database does not answer."""
    unavailable = outage_response(error) or conflict_response(error)
    if unavailable is not None:
        return unavailable
    log.exception("Unexpected error on %s %s", request.method, request.path)
    return jsonify(error="server_error", message="An unexpected error occurred."), 500
