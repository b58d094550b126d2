"""The one place turning errors into what a person sees: a page in their language, never a
stack trace. Protocol endpoints answer JSON errors themselves (Authlib's OAuth2Error).

Redis or PostgreSQL not answering is no bug: 503 with ``Retry-After``, a page saying the
service is momentarily unavailable or a JSON error (``temporarily_unavailable``, RFC 6749
§5.2's code for the token endpoint), and one log line per outage (``idp/outages.py``)."""

from __future__ import annotations

import logging

import redis.exceptions
from flask import Flask, Response, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from idp.accounts.devices import DeviceNotFound
from idp.db import db
from idp.errors import CsrfFailure, IdPError, InteractionExpired
from idp.outages import RETRY_AFTER_SECONDS, dependency_of
from idp.runtime import runtime
from idp.throttling.limits import RateLimited
from idp.web import i18n

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "error.bad_request",
    404: "error.not_found",
    405: "error.method",
    413: "error.too_large",
}
JSON_PREFIXES = ("/token", "/userinfo", "/revoke", "/introspect", "/.well-known", "/jwks")
# Where an outage is answered in JSON: the protocol endpoints, registration, the admin API.
OUTAGE_JSON_PREFIXES = (*JSON_PREFIXES, "/register", "/admin/api")
UNAVAILABLE_DESCRIPTION = "The service is temporarily unavailable; try again later."


def render_error(message: str, status: int, **context: object):
    if request.path.startswith(JSON_PREFIXES):
        return {"error": "invalid_request" if status < 500 else "server_error"}, status
    return render_template("errors/error.html", message=message, **context), status


def outage_response(error: Exception) -> Response | None:
    """503 for an error meaning Redis or the database does not answer, None for any other.

    The request's transaction is rolled back (nothing it did is kept) and the outage is
    logged once, when it starts, not for every request it fails."""
    dependency = dependency_of(error)
    if dependency is None:
        return None
    runtime().outages.down(dependency, error)
    _roll_back()  # whichever failed, the work the request did so far must not be committed
    if request.path.startswith(OUTAGE_JSON_PREFIXES):
        body = {"error": "temporarily_unavailable", "error_description": UNAVAILABLE_DESCRIPTION}
        if request.path.startswith("/admin/api"):  # the admin API's {error, message} shape
            body = {"error": "temporarily_unavailable", "message": UNAVAILABLE_DESCRIPTION}
        response = jsonify(body)
    else:
        if "lang" not in g:  # the request failed before choosing its language (authorize)
            i18n.set_language(i18n.pick(request.args.get("ui_locales")))
        page = render_template(
            "errors/error.html", title="error.unavailable_title", message="error.unavailable"
        )
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _roll_back() -> None:
    try:
        db.session.rollback()
    except DBAPIError:
        # The connection died under the transaction: nothing was committed, and removing the
        # session hands the dead connection back to the pool, which discards it.
        db.session.remove()


def init_app(app: Flask) -> None:
    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    @app.errorhandler(DBAPIError)
    def dependency_failure(error: Exception):
        return outage_response(error) or unexpected(error)

    @app.errorhandler(InteractionExpired)
    def interaction_expired(error: InteractionExpired):
        return (
            render_template(
                "errors/interaction_expired.html",
                client_name=error.context.get("client_name"),
                client_uri=error.context.get("client_uri"),
            ),
            400,
        )

    @app.errorhandler(RateLimited)
    def rate_limited(error: RateLimited):
        minutes = max(1, -(-error.retry_after // 60))
        headers = {"Retry-After": str(error.retry_after)}
        if request.path.startswith(JSON_PREFIXES):
            return {"error": "rate_limited", "retry_after": error.retry_after}, 429, headers
        page = render_template(
            "errors/error.html",
            title="error.rate_limited_title",
            message=error.message,
            values={"count": minutes},
        )
        return page, 429, headers

    @app.errorhandler(CsrfFailure)
    def csrf_failure(error: CsrfFailure):
        return render_error(error.message, 400)

    @app.errorhandler(DeviceNotFound)
    def device_not_found(error: DeviceNotFound):
        return render_error(error.message, 404)

    @app.errorhandler(IdPError)
    def domain_error(error: IdPError):
        return render_error(error.message, 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if request.path.startswith("/admin/api/"):  # no route matched: still the API's shape
            answer = jsonify(error="not_found" if status == 404 else "http_error",
                             message=error.name)  # fmt: skip
            answer.status_code = status
            answer.headers["Cache-Control"] = "no-store"
            return answer
        body, code = render_error(HTTP_MESSAGES.get(status, "error.generic"), status)
        # Keep what the exception says about itself, e.g. ``Allow`` on a 405.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("Unexpected error on %s %s", request.method, request.path)
        return render_error("error.generic", 500)
