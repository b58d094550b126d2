"""Console sessions in Redis, separate from members' SSO sessions.

The browser holds a random id in the ``idp_admin`` cookie (HttpOnly, SameSite=Strict, path
``/admin``, Secure on an https issuer); Redis holds the record under a digest of that id. A
record is first ``password`` (the password was right, the code is still to come; five minutes)
and becomes ``signed_in`` under a new id once the code is right. A signed-in session ends after
``IDP_STAFF_SESSION_IDLE_TTL`` without use or ``IDP_STAFF_SESSION_ABSOLUTE_TTL`` after sign-in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass

from werkzeug.wrappers import Response

from idp.kv import key
from idp.runtime import runtime
from idp.web.cookies import cookie_name

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


def _key(sid: str) -> str:
    # The cookie value never appears in Redis: a dump of it names no usable session.
    return key("staff-session", hashlib.sha256(sid.encode()).hexdigest()[:48])


def _ttl(session: StaffSession, now: int) -> int:
    if session.stage == PASSWORD:
        return session.created_at + PENDING_TTL - now
    admin = runtime().settings.admin
    return min(admin.staff_session_idle, session.created_at + admin.staff_session_absolute - now)


def _store(session: StaffSession, now: int) -> None:
    ttl = max(_ttl(session, now), 1)
    runtime().redis.set(_key(session.sid), json.dumps(asdict(session)), ex=ttl)


def start(staff_id: int, next_url: str = "") -> StaffSession:
    """The password was right: a short-lived session waiting for the second factor."""
    now = int(time.time())
    session = StaffSession(secrets.token_urlsafe(32), staff_id, PASSWORD, now, now, next_url)
    _store(session, now)
    return session


def promote(pending: StaffSession) -> StaffSession:
    """Both factors passed: a signed-in session under a new id; the pending one is gone."""
    end(pending.sid)
    now = int(time.time())
    session = StaffSession(secrets.token_urlsafe(32), pending.staff_id, SIGNED_IN, now, now)
    _store(session, now)
    return session


def load(sid: str | None) -> StaffSession | None:
    """The live session (a signed-in one has its idle timer restarted), or None."""
    if not sid or len(sid) > 64:
        return None
    raw = runtime().redis.get(_key(sid))
    if raw is None:
        return None
    data = json.loads(raw)
    known = StaffSession.__dataclass_fields__
    session = StaffSession(**{k: v for k, v in data.items() if k in known})
    if session.sid != sid:
        return None
    now = int(time.time())
    if _ttl(session, now) <= 0:
        end(sid)
        return None
    if session.stage == SIGNED_IN:
        session.last_seen = now
        _store(session, now)
    return session


def end(sid: str | None) -> None:
    if sid and len(sid) <= 64:
        runtime().redis.delete(_key(sid))


def set_cookie(response: Response, session: StaffSession) -> None:
    settings = runtime().settings
    lifetime = PENDING_TTL if session.stage == PASSWORD else settings.admin.staff_session_absolute
    response.set_cookie(
        cookie_name(COOKIE, PATH),
        session.sid,
        max_age=lifetime,
        httponly=True,
        secure=settings.server.https,
        samesite="Strict",
        path=PATH,
    )


def clear_cookie(response: Response) -> None:
    settings = runtime().settings
    response.delete_cookie(
        cookie_name(COOKIE, PATH),
        path=PATH,
        httponly=True,
        secure=settings.server.https,
        samesite="Strict",
    )
