"""Reading the audit log (issue 7 §6): search by member, client, event type, actor and time
range, newest first with keyset pagination (``before_id``), export as JSON lines, and the
retention period (``IDP_AUDIT_RETENTION_DAYS``) applied by :func:`purge_expired`.

Purging runs from ``idp audit purge`` (operators may schedule it) and by itself at most once an
hour across all instances (:func:`purge_if_due`, after a response has been sent, a bounded
number of batches at a time), so the retention period holds even without a scheduler. Both go
through an :class:`AuditRetention` the edge builds (``AuditRetention.of(rt)``): nothing here
looks services up.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from redis import Redis
from sqlalchemy import ColumnElement, cast, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from idp.clock import Clock
from idp.db import db
from idp.kv import key
from idp.models import AuditEvent, Member
from idp.outages import Outages
from idp.runtime import Runtime

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
MAX_ID = 2**31 - 1  # event ids are PostgreSQL integers
EXPORT_BATCH = 500
PURGE_BATCH = 1000
PURGE_EVERY = 3600  # seconds between automatic purges, across every instance
AUTOMATIC_PURGE_BATCHES = 20  # at most 20 000 rows per automatic run; the CLI purges all
PURGE_CHECK = "idp.audit_purge_next"  # app.extensions: when this process looks again


@dataclass(frozen=True)
class Filters:
    """What to look for; ``event`` is exact, or a prefix when it ends with ``*``
    (``login.*``). Times are naive UTC or aware; ``since`` included, ``until`` excluded."""

    member_number: str | None = None
    client_id: str | None = None
    event: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One audit event with the member's number, detached from the database session."""

    id: int
    at: datetime
    event: str
    member_id: int | None
    member_number: str | None
    client_id: str | None
    actor: str | None
    ip: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before_id: int | None  # pass it as ``before_id`` for the next (older) page


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.member_number is not None:
        found.append(Member.member_number == filters.member_number.strip())
    if filters.client_id is not None:
        found.append(AuditEvent.client_id == filters.client_id)
    if filters.event is not None:
        if filters.event.endswith("*"):
            prefix = filters.event[:-1].replace("\\", "\\\\").replace("%", r"\%")
            found.append(AuditEvent.event.like(prefix.replace("_", r"\_") + "%", escape="\\"))
        else:
            found.append(AuditEvent.event == filters.event)
    if filters.actor is not None:
        found.append(AuditEvent.actor == filters.actor)
    if filters.since is not None:
        found.append(AuditEvent.at >= _naive_utc(filters.since))
    if filters.until is not None:
        found.append(AuditEvent.at < _naive_utc(filters.until))
    return found


def _select(filters: Filters, limit: int, before_id: int | None) -> list[AuditEntry]:
    query = (
        select(AuditEvent, Member.member_number)
        .outerjoin(Member, Member.id == AuditEvent.member_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [_entry(e, number) for e, number in db.session.execute(query)]


def _entry(e: AuditEvent, member_number: str | None) -> AuditEntry:
    detail = dict(e.detail or {})
    return AuditEntry(
        e.id, e.at, e.event, e.member_id, member_number, e.client_id, e.actor, e.ip, detail
    )


def search_events(
    *,
    member_number: str | None = None,
    client_id: str | None = None,
    event: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> AuditPage:
    """One page of matching events, newest first; ``before_id`` continues after a page."""
    filters = Filters(member_number, client_id, event, actor, since, until)
    limit = max(1, min(limit, MAX_LIMIT))
    entries = _select(filters, limit + 1, before_id)
    more = len(entries) > limit
    entries = entries[:limit]
    return AuditPage(entries, entries[-1].id if more else None)


def iter_events(filters: Filters) -> Iterator[AuditEntry]:
    """Every matching event, newest first, read in batches (for exports of any size)."""
    before_id: int | None = None
    while True:
        batch = _select(filters, EXPORT_BATCH, before_id)
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        before_id = batch[-1].id


def family_events(family_id: str) -> list[AuditEntry]:
    """The life of a refresh-token family, oldest first: every event whose ``family`` detail
    names it (issued, refreshed, rejected, reused, revoked) or whose ``families`` list holds
    it (the ``logout`` that ended it). A scan of the log, which the retention period keeps
    bounded: an operator's investigation, not a request path."""
    detail = AuditEvent.__table__.c.detail
    query = (
        select(AuditEvent, Member.member_number)
        .outerjoin(Member, Member.id == AuditEvent.member_id)
        .where(or_(detail["family"].as_string() == family_id, _lists(detail, family_id)))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [_entry(e, number) for e, number in db.session.execute(query)]


def _lists(detail: ColumnElement[Any], family_id: str) -> ColumnElement[bool]:
    """The event's ``families`` detail (a JSON list of ids) holds ``family_id``."""
    if db.session.get_bind().dialect.name == "sqlite":
        ids = func.json_each(detail, "$.families").table_valued("value")
        return exists().where(ids.c.value == family_id)
    return cast(detail["families"], JSONB).contains([family_id])


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def event_view(e: AuditEntry) -> dict[str, Any]:
    """The JSON form of an event (API, export)."""
    return {
        "id": e.id,
        "at": iso(e.at),
        "event": e.event,
        "member_number": e.member_number,
        "client_id": e.client_id,
        "actor": e.actor,
        "ip": e.ip,
        "detail": e.detail,
    }


def json_lines(entries: Iterator[AuditEntry]) -> Iterator[str]:
    """One JSON object per line (``application/x-ndjson``)."""
    for entry in entries:
        yield json.dumps(event_view(entry), ensure_ascii=False, sort_keys=True) + "\n"


# --- retention ------------------------------------------------------------------------------


def purge_check_due(app: Flask) -> bool:
    """True at most once an hour per process: time to see whether a purge is due."""
    now = time.monotonic()
    if app.extensions.get(PURGE_CHECK, 0.0) > now:
        return False
    app.extensions[PURGE_CHECK] = now + PURGE_EVERY
    return True


class AuditRetention:
    """The retention period (``days``) applied on ``clock``'s time; the automatic purge is
    shared between instances through ``redis`` and reports outages to ``outages``. Built at
    the edge (:meth:`of`): a command, or the request after which the purge runs."""

    def __init__(self, *, days: int, clock: Clock, redis: Redis, outages: Outages) -> None:
        self.days = days
        self.clock = clock
        self.redis = redis
        self.outages = outages

    @classmethod
    def of(cls, rt: Runtime) -> AuditRetention:
        return cls(days=rt.settings.admin.audit_retention_days, clock=rt.clock,
                   redis=rt.redis, outages=rt.outages)  # fmt: skip

    def purge_expired(self, now: datetime | None = None, max_batches: int | None = None) -> int:
        """Delete the events older than ``IDP_AUDIT_RETENTION_DAYS``, a batch (one
        transaction) at a time so that no long lock holds the table; returns how many were
        deleted."""
        cutoff = _naive_utc(now or self.clock.now()) - timedelta(days=self.days)
        deleted = batches = 0
        while max_batches is None or batches < max_batches:
            ids = list(
                db.session.scalars(
                    select(AuditEvent.id)
                    .where(AuditEvent.at < cutoff)
                    .order_by(AuditEvent.id)
                    .limit(PURGE_BATCH)
                )
            )
            if not ids:
                break
            db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
            db.session.commit()
            deleted += len(ids)
            batches += 1
        if deleted:
            log.info("Audit log: %d events older than %d days purged", deleted, self.days)
        return deleted

    def purge_if_due(self, app: Flask) -> bool:
        """Purge a bounded amount unless an instance did in the last hour (a Redis key taken
        with ``SET NX``); True if it ran. Never raises: a failure is logged, retried an hour
        later."""
        try:
            with app.app_context():
                if not self.redis.set(key("audit-purge"), "1", nx=True, ex=PURGE_EVERY):
                    return False
                self.purge_expired(max_batches=AUTOMATIC_PURGE_BATCHES)
        except Exception as error:
            # An outage is logged once by idp/outages.py, not with a traceback per try.
            if not self.outages.report(error):
                log.exception("Automatic audit log purge failed; `idp audit purge` does it too")
            return False
        return True
