"""The one place turning errors into what a person sees: a page in their language, never a
stack trace. Protocol endpoints answer JSON errors themselves (Authlib's OAuth2Error).

Redis or PostgreSQL not answering is no bug: 503 with ``Retry-After``, a page saying the
service is momentarily unavailable or a JSON error (``temporarily_unavailable``, RFC 6749
§5.2's code for the token endpoint), and one log line per outage (``idp/outages.py``)."""

from __future__ import annotations

import logging

import redis.exceptions
from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from idp.accounts.devices import DeviceNotFound
from idp.errors import CsrfFailure, IdPError, InteractionExpired
from idp.throttling.limits import RateLimited
from idp.web.unavailable import JSON_PREFIXES, conflict_response, outage_response

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "error.bad_request",
    404: "error.not_found",
    405: "error.method",
    413: "error.too_large",
}


def render_error(message: str, status: int, **context: object):
    if request.path.startswith(JSON_PREFIXES):
        return {"error": "invalid_request" if status < 500 else "server_error"}, status
    return render_template("errors/error.html", message=message, **context), status


def init_app(app: Flask) -> None:
    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    @app.errorhandler(DBAPIError)
    def dependency_failure(error: Exception):
        return outage_response(error) or conflict_response(error) or unexpected(error)

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
