"""The back-channel logout queue, shared by every instance: the table ``backchannel_outbox``
(docs/failure-modes.md, "Back-channel logout survives Redis").

A job is a row ``(client_id, sub, sid, member_id, attempts)``, written in the transaction of
the sign-out that owes it (:func:`enqueue` joins the caller's unit of work), so a logout
promised to a portal is lost neither when Redis is flushed or replaced nor when a worker
dies. The token itself is signed at each attempt: nothing secret waits in the table.

A worker *claims* the earliest due job: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``
(several instances never take the same row, nor wait for each other), on SQLite a
conditional ``UPDATE``; the claim pushes ``next_attempt_at`` a lease ahead, so a job whose
worker died mid-delivery comes back when the lease runs out (at-least-once; relying parties
treat logout as idempotent, and each attempt has its own ``jti``). Delivered jobs are deleted;
failed ones wait, one attempt further, an exponential delay; the last failure is audited
(``logout.backchannel_failed``) and the job deleted.

Nothing here looks services up: :func:`enqueue` takes the client registry, and a worker
builds one :class:`LogoutQueue` per round (``LogoutQueue.of(rt)``) to deliver.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from idp import audit
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.config import LogoutSettings, OutboundSettings
from idp.db import db
from idp.logout.backchannel import Attempt, logout_token, post_logout_token
from idp.models import QueuedLogout
from idp.runtime import Runtime
from idp.tokens.keys import KeyStore

log = logging.getLogger(__name__)

MAX_DELAY = 3600


@dataclass(frozen=True)
class Job:
    client_id: str
    sub: str
    sid: str | None
    member_id: int | None
    attempt: int = 0  # deliveries tried so far

    @classmethod
    def of(cls, row: QueuedLogout) -> Job:
        return cls(row.client_id, row.sub, row.sid, row.member_id, row.attempts)


def backchannel_uri(client: RegisteredClient | None) -> str:
    return client.spec.backchannel_logout_uri if client else ""


def enqueue(
    client_id: str, sub: str, sid: str | None, member_id: int | None, *, clients: ClientRegistry
) -> bool:
    """Queue a logout token for the client, due now, in the caller's transaction (it leaves
    once that commits); False when the client (looked up in ``clients``) has no
    ``backchannel_logout_uri``. The same logout queued twice is one job."""
    if not backchannel_uri(clients.find(client_id)):
        return False
    same = select(QueuedLogout.id).where(
        QueuedLogout.client_id == client_id,
        QueuedLogout.sub == sub,
        QueuedLogout.sid.is_(None) if sid is None else QueuedLogout.sid == sid,
        QueuedLogout.attempts == 0,
    )
    if db.session.scalar(same.limit(1)) is None:
        now = _moment(time.time())
        db.session.add(
            QueuedLogout(client_id=client_id, sub=sub, sid=sid, member_id=member_id,
                         attempts=0, next_attempt_at=now, created_at=now)
        )  # fmt: skip
    return True


def pending() -> list[Job]:
    """Every queued job (operators, tests)."""
    rows = db.session.scalars(select(QueuedLogout).order_by(QueuedLogout.id))
    return [Job.of(row) for row in rows]


class LogoutQueue:
    """Delivers the queued logout tokens by the ``logout`` settings, to the URIs the
    ``clients`` registered, signed by ``issuer`` with ``keys``, through the ``outbound``
    allow-list."""

    def __init__(
        self, settings: LogoutSettings, clients: ClientRegistry, issuer: str, keys: KeyStore,
        outbound: OutboundSettings,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.clients = clients
        self.issuer = issuer
        self.keys = keys
        self.outbound = outbound

    @classmethod
    def of(cls, rt: Runtime) -> LogoutQueue:
        settings = rt.settings
        return cls(settings.logout, ClientRegistry.of(rt), settings.server.issuer, rt.keys,
                   settings.outbound)  # fmt: skip

    def deliver_due(self, now: float | None = None, limit: int = 100) -> int:
        """Deliver the jobs due by ``now`` (default: the current time, in seconds since the
        epoch), at most ``limit`` of them; returns how many were tried. Threads call it in a
        loop; tests call it with a future ``now`` to run the retries at once."""
        now = time.time() if now is None else now
        lease = self.settings.backchannel_timeout * 2 + 30
        tried = 0
        while tried < limit:
            job_id = _claim(_moment(now), _moment(now + lease))
            if job_id is None:
                break
            tried += 1
            self._deliver(job_id, now)
        return tried

    def retry_delay(self, attempt: int) -> int:
        """Seconds before try ``attempt + 1``: the first delay, doubled at each failure."""
        first = self.settings.backchannel_retry_delay
        return int(min(first * 2 ** (attempt - 1), MAX_DELAY))

    def _deliver(self, job_id: int, now: float) -> None:
        row = db.session.get(QueuedLogout, job_id)
        if row is None:
            return
        job = Job.of(row)
        db.session.commit()  # no transaction (nor pooled connection) held while the portal answers
        uri = backchannel_uri(self.clients.find(job.client_id))
        if not uri:  # the client was removed or disabled, or no longer wants logout tokens
            _finish(job_id)
            return
        result = self._post(uri, job)
        if result.delivered:
            log.info("Logout token delivered to %s (HTTP %s)", job.client_id, result.status)
            _finish(job_id)
            return
        attempt = job.attempt + 1
        if result.permanent or attempt >= self.settings.backchannel_max_attempts:
            audit.record(
                "logout.backchannel_failed",
                member_id=job.member_id,
                client_id=job.client_id,
                status=result.status,
                error=result.error,
                attempts=attempt,
            )
            _finish(job_id)
            return
        log.warning("Logout token to %s failed (%s); attempt %d will follow",
                    job.client_id, result.error, attempt + 1)  # fmt: skip
        db.session.execute(
            update(QueuedLogout)
            .where(QueuedLogout.id == job_id)
            .values(attempts=attempt, next_attempt_at=_moment(now + self.retry_delay(attempt)))
        )
        db.session.commit()

    def _post(self, uri: str, job: Job) -> Attempt:
        """One delivery of a freshly signed token for ``job``."""
        token = logout_token(job.client_id, job.sub, job.sid, issuer=self.issuer, keys=self.keys)
        return post_logout_token(uri, token, self.settings.backchannel_timeout,
                                 allow=self.outbound.allow_list())  # fmt: skip


def _claim(now: datetime, lease_end: datetime) -> int | None:
    """Take the earliest due job for this worker (its lease ends at ``lease_end``)."""
    due = QueuedLogout.next_attempt_at <= now
    order = (QueuedLogout.next_attempt_at, QueuedLogout.id)
    if db.engine.dialect.name == "postgresql":
        found = db.session.scalars(
            select(QueuedLogout.id).where(due).order_by(*order).limit(1)
            .with_for_update(skip_locked=True)
        ).first()  # fmt: skip
        candidates = [found] if found is not None else []
    else:
        candidates = list(
            db.session.scalars(select(QueuedLogout.id).where(due).order_by(*order).limit(5))
        )
    for job_id in candidates:
        taken = db.session.execute(
            update(QueuedLogout)
            .where(QueuedLogout.id == job_id, due)
            .values(next_attempt_at=lease_end)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            db.session.commit()
            return job_id
    db.session.rollback()
    return None


def _finish(job_id: int) -> None:
    db.session.execute(delete(QueuedLogout).where(QueuedLogout.id == job_id))
    db.session.commit()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
