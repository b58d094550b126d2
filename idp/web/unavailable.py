"""Redis or PostgreSQL not answering, as the client sees it: 503 with ``Retry-After``, a page
saying the service is momentarily unavailable or a JSON error (``temporarily_unavailable``,
RFC 6749 §5.2's code for the token endpoint), and one log line per outage
(``idp/outages.py``). Used by ``error_pages.py`` and by the admin API's own error handler."""

from __future__ import annotations

from flask import Response, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError

from idp.db import db
from idp.outages import RETRY_AFTER_SECONDS, dependency_of
from idp.runtime import runtime
from idp.web import i18n

JSON_PREFIXES = ("/token", "/userinfo", "/revoke", "/introspect", "/.well-known", "/jwks")
# Where an outage is answered in JSON: the protocol endpoints, registration, the admin API.
OUTAGE_JSON_PREFIXES = (*JSON_PREFIXES, "/register", "/admin/api")
UNAVAILABLE_DESCRIPTION = "The service is temporarily unavailable; try again later."


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
