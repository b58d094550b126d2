"""One unit of work per request: what a request writes to the database is committed once,
after the view answered, or not at all (docs/architecture.md, "One unit of work").

- An answer below 400 (a page, a redirect, tokens) has its work committed.
- A refusal (any 4xx: a wrong password, a bad request, a scope the client may not widen) or a
  view that raised (a domain error mapped to a page by ``error_pages.py``) has its work rolled
  back, but its audit events are kept: the refusal is recorded, and nothing else of the
  request is (a refresh token checked before the refusal is not spent).
- A 5xx (a bug, an outage) rolls back everything.
- A commit that fails because the database stopped answering turns the answer into the 503
  of ``unavailable.py``; any other failed commit into the 500 page, logged.

``idp/audit.py`` only adds events to the current unit of work. Code that needs its writes
durable before it goes on (a lock taken with a conditional ``UPDATE``, an SMS whose audit
event must survive, a worker's claim) still commits explicitly. A command of ``idp`` (or any
other app context outside a request) is committed when it ends without an error.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, has_request_context, make_response, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.exceptions import HTTPException

from idp import audit
from idp.db import db
from idp.models import AuditEvent
from idp.web.error_pages import render_error
from idp.web.unavailable import conflict_response, outage_response

log = logging.getLogger(__name__)

FAILED = "idp.view_raised"  # request.environ flag (g may outlive one request in tests)
WROTE = "idp.wrote"  # Session.info flag


class App(Flask):
    """Flask, noting when a view raised: its answer comes from an error handler."""

    def handle_user_exception(self, e: Exception) -> HTTPException | Any:
        if has_request_context():
            request.environ[FAILED] = True
        return super().handle_user_exception(e)


def commit_answer(response: Response) -> Response:
    if not db.session.registry.has():  # the request never touched the database
        return response
    session = db.session()
    if response.status_code >= 500:
        session.rollback()
        return response
    if request.environ.get(FAILED) or response.status_code >= 400:
        kept = audit.pending(session)
        session.rollback()
        session.add_all(AuditEvent(**values) for values in kept)
    if not has_writes(session):
        return response
    try:
        session.commit()
    except Exception as error:
        unavailable = outage_response(error) or conflict_response(error)
        if unavailable is not None:
            return unavailable
        session.rollback()
        log.exception("Commit failed on %s %s", request.method, request.path)
        return make_response(render_error("error.generic", 500))
    return response


def has_writes(session: Session) -> bool:
    """The session holds changes, or its transaction wrote (a flush, an ``INSERT``,
    ``UPDATE`` or ``DELETE`` statement): a read-only unit of work is left to roll back."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))


@event.listens_for(Session, "do_orm_execute")
def _statement_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _flush_writes(session: Session, *_: object) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _unit_ended(session: Session, *_: object) -> None:
    session.info.pop(WROTE, None)
    audit.forget_pending(session)


def end_of_context(exc: BaseException | None) -> None:
    """A command of ``idp`` or a worker's loop runs in an app context of its own: what it
    wrote and did not commit is committed when it ends without an error. (A request has
    committed or rolled back by then: nothing is left.)"""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not has_writes(session):
        return
    try:
        session.commit()
    except Exception:
        session.rollback()
        log.exception("Commit at the end of a command failed")
        raise


def init_app(app: Flask) -> None:
    app.after_request(commit_answer)
    app.teardown_appcontext(end_of_context)
