"""Single sign-on sessions in Redis, with a per-member index to end them all (DESIGN §3).

The browser holds only a random session id (cookie ``idp_session``). A session ends after
``idle_ttl`` without use or ``absolute_ttl`` after sign-in, whichever comes first.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field

from idp.kv import key
from idp.runtime import runtime

COOKIE = "idp_session"


@dataclass
class SsoSession:
    sid: str
    member_id: int
    auth_time: int
    amr: list[str]
    acr: str
    created_at: int
    last_seen: int
    clients: list[str] = field(default_factory=list)


def _key(sid: str) -> str:
    return key("session", sid)


def _index(member_id: int) -> str:
    return key("member-sessions", member_id)


def _ttl(session: SsoSession, now: int) -> int:
    settings = runtime().settings.session
    return min(settings.idle_ttl, session.created_at + settings.absolute_ttl - now)


def create(member_id: int, amr: list[str], acr: str, auth_time: int) -> SsoSession:
    now = int(time.time())
    session = SsoSession(
        sid=secrets.token_urlsafe(32),
        member_id=member_id,
        auth_time=auth_time,
        amr=amr,
        acr=acr,
        created_at=now,
        last_seen=now,
    )
    r = runtime().redis
    pipe = r.pipeline()
    pipe.set(_key(session.sid), json.dumps(asdict(session)), ex=_ttl(session, now))
    pipe.sadd(_index(member_id), session.sid)
    pipe.expire(_index(member_id), runtime().settings.session.absolute_ttl)
    pipe.execute()
    return session


def load(sid: str | None) -> SsoSession | None:
    """The live session, its idle timer restarted; None when absent or expired."""
    if not sid or len(sid) > 64:
        return None
    r = runtime().redis
    raw = r.get(_key(sid))
    if raw is None:
        return None
    session = SsoSession(**json.loads(raw))
    now = int(time.time())
    ttl = _ttl(session, now)
    if ttl <= 0:
        end(session)
        return None
    session.last_seen = now
    r.set(_key(sid), json.dumps(asdict(session)), ex=ttl)
    return session


def add_client(session: SsoSession, client_id: str) -> None:
    if client_id in session.clients:
        return
    session.clients.append(client_id)
    now = int(time.time())
    runtime().redis.set(
        _key(session.sid), json.dumps(asdict(session)), ex=max(_ttl(session, now), 1)
    )


def end(session: SsoSession) -> None:
    r = runtime().redis
    pipe = r.pipeline()
    pipe.delete(_key(session.sid))
    pipe.srem(_index(session.member_id), session.sid)
    pipe.execute()


def end_all(member_id: int) -> int:
    """End every session of the member (password reset, "sign out everywhere")."""
    r = runtime().redis
    sids = [s.decode() if isinstance(s, bytes) else s for s in r.smembers(_index(member_id))]
    pipe = r.pipeline()
    for sid in sids:
        pipe.delete(_key(sid))
    pipe.delete(_index(member_id))
    pipe.execute()
    return len(sids)
