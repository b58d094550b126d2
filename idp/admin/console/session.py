"""Console sessions in Redis, separate from members' SSO sessions.

The browser holds a random id in the ``idp_admin`` cookie (HttpOnly, SameSite=Strict, path
``/admin``, Secure on an https issuer); Redis holds the record under a digest of that id. A
record is first ``password`` (the password was right, the code is still to come; five minutes)
and becomes ``signed_in`` under a new id once the code is right. A signed-in session ends after
``IDP_STAFF_SESSION_IDLE_TTL`` without use or ``IDP_STAFF_SESSION_ABSOLUTE_TTL`` after sign-in.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from werkzeug.wrappers import Response

from idp.config import AdminSettings
from idp.web.session_records import Lifetime, SessionCookie, SessionRecords

if TYPE_CHECKING:
    from idp.runtime import Runtime

COOKIE = "idp_admin"
PATH = "/admin"
PASSWORD = "password"
SIGNED_IN = "signed_in"
PENDING_TTL = 300


@dataclass
class StaffSession:
    sid: str
    staff_id: int
    stage: str  # PASSWORD | SIGNED_IN
    created_at: int
    last_seen: int
    next: str = ""  # where to go once signed in


class ConsoleSessions:
    """Console sessions, on the mechanism shared with members' SSO sessions
    (``web/session_records.py``). The console's policy: ids only as digests in Redis, the
    staff lifetimes (a pending session: five minutes), a ``SameSite=Strict`` cookie on
    ``/admin`` alone."""

    def __init__(self, redis: Redis, settings: AdminSettings, *, https: bool) -> None:
        self.lifetime = Lifetime(settings.staff_session_idle, settings.staff_session_absolute)
        self.records = SessionRecords(redis, kind="staff-session", record=StaffSession,
                                      hash_ids=True)  # fmt: skip
        self.cookie = SessionCookie(COOKIE, PATH, "Strict", https)

    @classmethod
    def of(cls, rt: Runtime) -> ConsoleSessions:
        return cls(rt.redis, rt.settings.admin, https=rt.settings.server.https)

    def _ttl(self, session: StaffSession, now: int) -> int:
        if session.stage == PASSWORD:
            return session.created_at + PENDING_TTL - now
        return self.lifetime.remaining(session.created_at, now)

    def _store(self, session: StaffSession, now: int) -> None:
        self.records.put(session, self._ttl(session, now))

    def start(self, staff_id: int, next_url: str = "") -> StaffSession:
        """The password was right: a short-lived session waiting for the second factor."""
        now = int(time.time())
        session = StaffSession(secrets.token_urlsafe(32), staff_id, PASSWORD, now, now, next_url)
        self._store(session, now)
        return session

    def promote(self, pending: StaffSession) -> StaffSession:
        """Both factors passed: a signed-in session under a new id; the pending one is gone."""
        self.end(pending.sid)
        now = int(time.time())
        session = StaffSession(secrets.token_urlsafe(32), pending.staff_id, SIGNED_IN, now, now)
        self._store(session, now)
        return session

    def load(self, sid: str | None) -> StaffSession | None:
        """The live session (a signed-in one has its idle timer restarted), or None."""
        session = self.records.get(sid)
        if session is None:
            return None
        now = int(time.time())
        if self._ttl(session, now) <= 0:
            self.end(session.sid)
            return None
        if session.stage == SIGNED_IN:
            session.last_seen = now
            self._store(session, now)
        return session

    def current(self) -> StaffSession | None:
        """The live console session of this request's browser."""
        return self.load(self.cookie.read())

    def end(self, sid: str | None) -> None:
        self.records.delete(sid)

    def end_current(self) -> None:
        """Whatever console session this request's browser had ends."""
        self.end(self.cookie.read())

    def set_cookie(self, response: Response, session: StaffSession) -> None:
        lifetime = PENDING_TTL if session.stage == PASSWORD else self.lifetime.absolute
        self.cookie.set(response, session.sid, max_age=lifetime)

    def clear_cookie(self, response: Response) -> None:
        self.cookie.clear(response)
