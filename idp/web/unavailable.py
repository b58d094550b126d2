"""Redis or PostgreSQL not answering, as the client sees it: 503 with ``Retry-After``, a page
saying the service is momentarily unavailable or a JSON error (``temporarily_unavailable``,
RFC 6749 §5.2's code for the token endpoint), and one log line per outage
(``idp/outages.py``). A transaction the database chose as a deadlock's victim gets the same
answer with a shorter wait and a warning, no outage. Used by ``error_pages.py``,
``unit_of_work.py`` and the admin API's own error handler."""

from __future__ import annotations

import logging

from flask import Response, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError

from idp.db import db
from idp.outages import RETRY_AFTER_SECONDS, dependency_of, is_conflict, reason_of
from idp.runtime import runtime
from idp.web import i18n

JSON_PREFIXES = ("/token", "/userinfo", "/revoke", "/introspect", "/.well-known", "/jwks")
# Where an outage is answered in JSON: the protocol endpoints, registration, the admin API.
OUTAGE_JSON_PREFIXES = (*JSON_PREFIXES, "/register", "/admin/api")
UNAVAILABLE_DESCRIPTION = "The service is temporarily unavailable; try again later."
CONFLICT_RETRY_AFTER_SECONDS = 1  # a deadlock's victim may try again at once

log = logging.getLogger(__name__)


def outage_response(error: Exception) -> Response | None:
    """503 for an error meaning Redis or the database does not answer, None for any other.

    The request's transaction is rolled back (nothing it did is kept) and the outage is
    logged once, when it starts, not for every request it fails."""
    dependency = dependency_of(error)
    if dependency is None:
        return None
    runtime().outages.down(dependency, error)
    _roll_back()  # whichever failed, the work the request did so far must not be committed
    return unavailable(RETRY_AFTER_SECONDS)


def conflict_response(error: Exception) -> Response | None:
    """503 asking to retry in a second when the database chose this request as the victim
    of a deadlock or a serialization failure: rolled back, one warning line, the outage
    state untouched (the database is up). None for any other error."""
    if not is_conflict(error):
        return None
    _roll_back()
    log.warning("Database conflict on %s %s, rolled back: %s", request.method, request.path,
                reason_of(error))  # fmt: skip
    return unavailable(CONFLICT_RETRY_AFTER_SECONDS)


def unavailable(retry_after: int) -> Response:
    """The 503 answer: JSON on the protocol endpoints, registration and the admin API (its
    ``{error, message}`` shape), a page in the member's language elsewhere."""
    if request.path.startswith(OUTAGE_JSON_PREFIXES):
        body = {"error": "temporarily_unavailable", "error_description": UNAVAILABLE_DESCRIPTION}
        if request.path.startswith("/admin/api"):
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
    response.headers["Retry-After"] = str(retry_after)
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
