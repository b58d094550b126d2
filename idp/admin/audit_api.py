"""Admin API, the audit log (issue 7 §6): search (``GET /audit``, newest first, keyset pages)
and export as JSON lines (``GET /audit/export``), with ``idp:support`` or ``idp:admin``.
Also schedules the automatic retention purge after responses (:mod:`idp.admin.audit_log`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from idp import audit
from idp.admin import audit_log
from idp.admin.api import SUPPORT, ApiError, bp, caller, requires
from idp.admin.openapi import operation
from idp.runtime import runtime

FILTERS = ("member_number", "client_id", "event", "actor", "since", "until")
PAGING = ("limit", "before_id")


def _parameter(name: str, description: str, kind: str = "string", **extra: Any) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": kind, **extra},
    }


FILTER_PARAMETERS = [
    _parameter("member_number", "Events of this member"),
    _parameter("client_id", "Events of this client"),
    _parameter("event", "Event type, exact or a prefix ending with * (login.*)"),
    _parameter("actor", "Who acted: client:<id> or staff:<email>"),
    _parameter(
        "since",
        "From this time (ISO 8601, UTC unless an offset is given), included",
        format="date-time",
    ),
    _parameter("until", "Until this time (ISO 8601), excluded", format="date-time"),
]


def _time(name: str, value: str) -> datetime:
    """An ISO 8601 time as naive UTC (a time without an offset is UTC already)."""
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        raise ApiError(
            400, "invalid_request", f"{name}: '{value[:40]}' is not an ISO 8601 time."
        ) from None


def _positive(name: str, value: str, most: int | None = None) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) < 1:
        raise ApiError(400, "invalid_request", f"{name} must be a positive integer.")
    if most is not None and int(value) > most:
        raise ApiError(400, "invalid_request", f"{name} must be at most {most}.")
    return int(value)


def _filters(allowed: tuple[str, ...]) -> audit_log.Filters:
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise ApiError(
            400,
            "invalid_request",
            f"{unknown[0]}: unknown parameter (known: {', '.join(allowed)}).",
        )
    args = {n: request.args[n].strip() for n in FILTERS if request.args.get(n, "").strip()}
    event = args.get("event")
    if event is not None and "*" in event[:-1]:
        raise ApiError(400, "invalid_request", "event: * is allowed only at the end (login.*).")
    return audit_log.Filters(
        member_number=args.get("member_number"),
        client_id=args.get("client_id"),
        event=event,
        actor=args.get("actor"),
        since=_time("since", args["since"]) if "since" in args else None,
        until=_time("until", args["until"]) if "until" in args else None,
    )


operation(
    "/audit",
    "get",
    "Search the audit log, newest first",
    scope=SUPPORT,
    parameters=[
        *FILTER_PARAMETERS,
        _parameter(
            "limit",
            "Events per page (default 100)",
            "integer",
            minimum=1,
            maximum=audit_log.MAX_LIMIT,
        ),
        _parameter("before_id", "next_before_id of the previous page", "integer"),
    ],
    responses={
        200: "{events: [...], next_before_id: id or null}",
        400: "A bad parameter (the message names it)",
    },
)


@bp.get("/audit")
@requires("support")
def search() -> ResponseReturnValue:
    filters = _filters(FILTERS + PAGING)
    limit = _positive("limit", request.args.get("limit", "100"), audit_log.MAX_LIMIT)
    before = request.args.get("before_id")
    page = audit_log.search_events(
        **vars(filters),
        limit=limit,
        before_id=_positive("before_id", before, audit_log.MAX_ID) if before is not None else None,
    )
    events = [audit_log.event_view(e) for e in page.entries]
    return jsonify(events=events, next_before_id=page.next_before_id)


operation(
    "/audit/export",
    "get",
    "Export the audit log as JSON lines",
    scope=SUPPORT,
    parameters=FILTER_PARAMETERS,
    responses={
        200: "application/x-ndjson: one event per line, newest first",
        400: "A bad parameter (the message names it)",
    },
    media_types={200: "application/x-ndjson"},
)


@bp.get("/audit/export")
@requires("support")
def export() -> Response:
    filters = _filters(FILTERS)
    chosen = {
        k: v if not isinstance(v, datetime) else v.isoformat()
        for k, v in vars(filters).items()
        if v is not None
    }
    audit.record("audit.exported", actor=caller().actor, filters=chosen)
    lines = audit_log.json_lines(audit_log.iter_events(filters))
    response = Response(stream_with_context(lines), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.jsonl"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_app_request
def _purge_when_due(response: Response) -> Response:
    """Retention without a scheduler: once an hour, after a response has gone out."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if audit_log.purge_check_due(app):
        retention = audit_log.AuditRetention.of(runtime(app))
        response.call_on_close(lambda: retention.purge_if_due(app))
    return response
