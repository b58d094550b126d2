"""Single sign-on sessions in Redis, with a per-member index to end them all
(docs/architecture.md, "Storage split").

The browser holds only a random session id (cookie ``idp_session``), renewed at every sign-in.
Relying parties know the session by its ``public_sid`` instead (the ``sid`` claim): a member
re-authenticating in the same browser (``prompt=login``, ``max_age``, a step-up) gets a new
cookie but keeps the ``public_sid``, so the tokens issued before and the logout tokens sent
later name the one ``sid`` each relying party saw (docs/sessions.md). A session ends after
``idle_ttl`` without use or ``absolute_ttl`` after sign-in, whichever comes first. It records
the browser's User-Agent and IP address at sign-in, for the account page's list of sessions,
and the passkeys used in it, so removing a lost phone's passkey ends what it opened.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field, fields

from werkzeug.wrappers import Response

from idp.kv import key
from idp.runtime import runtime
from idp.web.cookies import cookie_name

COOKIE = "idp_session"
USER_AGENT_LENGTH = 512


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
    user_agent: str = ""
    ip: str = ""
    # The ``sid`` claim of ID and logout tokens (OIDC Back-Channel Logout §2.1): never the
    # secret cookie value itself.
    public_sid: str = ""
    passkeys: list[int] = field(default_factory=list)  # passkey_credentials.id used here
    # When the member last confirmed their password on the account pages (epoch seconds; 0:
    # never). Kept apart from ``auth_time``, which ID tokens carry with the sign-in's ``amr``
    # and ``acr``: a password typed again is not a new multi-factor sign-in.
    confirmed_at: int = 0


_FIELDS = frozenset(f.name for f in fields(SsoSession))


def new_public_sid(sid: str) -> str:
    """A one-way digest of the cookie value: an ID token must never reveal the session id."""
    return hashlib.sha256(f"idp public sid:{sid}".encode()).hexdigest()[:40]


def _parse(raw: bytes | str) -> SsoSession:
    """Fields this version does not know (written by a newer instance) are ignored."""
    data = json.loads(raw)
    session = SsoSession(**{k: v for k, v in data.items() if k in _FIELDS})
    if not session.public_sid:  # written before sessions stored it
        session.public_sid = new_public_sid(session.sid)
    return session


def _key(sid: str) -> str:
    return key("session", sid)


def _index(member_id: int) -> str:
    return key("member-sessions", member_id)


def _ttl(session: SsoSession, now: int) -> int:
    settings = runtime().settings.session
    return min(settings.idle_ttl, session.created_at + settings.absolute_ttl - now)


def create(
    member_id: int, amr: list[str], acr: str, auth_time: int, *,
    user_agent: str = "", ip: str = "", continues: SsoSession | None = None,
    passkey: int | None = None,
) -> SsoSession:  # fmt: skip
    """A new session (a new cookie value); ``user_agent`` and ``ip`` name the device on the
    account page. ``continues``: the same member's session this browser had, re-authenticated:
    its ``public_sid``, relying parties and passkeys carry over. ``passkey``: the credential
    this sign-in used."""
    now = int(time.time())
    sid = secrets.token_urlsafe(32)
    session = SsoSession(
        sid=sid,
        member_id=member_id,
        auth_time=auth_time,
        amr=amr,
        acr=acr,
        created_at=now,
        last_seen=now,
        clients=list(continues.clients) if continues else [],
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        ip=(ip or "")[:64],
        public_sid=continues.public_sid if continues else new_public_sid(sid),
        passkeys=list(continues.passkeys) if continues else [],
    )
    if passkey is not None and passkey not in session.passkeys:
        session.passkeys.append(passkey)
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
    session = _parse(raw)
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


def remove_clients(session: SsoSession, client_ids: set[str]) -> None:
    """The session no longer signs the member in to these clients (a contract ended, an
    application withdrawn)."""
    kept = [c for c in session.clients if c not in client_ids]
    if kept == session.clients:
        return
    session.clients = kept
    now = int(time.time())
    runtime().redis.set(
        _key(session.sid), json.dumps(asdict(session)), ex=max(_ttl(session, now), 1)
    )


def confirm(session: SsoSession, at: int) -> None:
    """The member typed their password again in this session (``selfservice/reauth.py``);
    the cookie, ``sid`` and ``auth_time`` stay."""
    session.confirmed_at = max(session.confirmed_at, at)
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


def members_with_sessions() -> set[int]:
    """Every member who has a session index, live or not yet cleaned: an operator signing
    everyone out (``idp accounts sign-out --all``). A scan of the keyspace, never a request
    path."""
    prefix = key("member-sessions", "")
    found: set[int] = set()
    for raw in runtime().redis.scan_iter(match=prefix + "*", count=1000):
        name = raw.decode() if isinstance(raw, bytes) else raw
        member_id = name.removeprefix(prefix)
        if member_id.isdigit():
            found.add(int(member_id))
    return found


def list_sessions(member_id: int) -> list[SsoSession]:
    """The member's live sessions, most recently used first, without touching their idle
    timers; index entries of sessions that expired are dropped on the way."""
    r = runtime().redis
    sids = [s.decode() if isinstance(s, bytes) else s for s in r.smembers(_index(member_id))]
    if not sids:
        return []
    live: list[SsoSession] = []
    gone: list[str] = []
    for sid, raw in zip(sids, r.mget([_key(sid) for sid in sids]), strict=True):
        if raw is None:
            gone.append(sid)
        else:
            session = _parse(raw)
            if session.member_id == member_id:
                live.append(session)
    if gone:
        r.srem(_index(member_id), *gone)
    return sorted(live, key=lambda s: s.last_seen, reverse=True)


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


def clear_cookie(response: Response) -> None:
    """Make the browser forget its session id (after signing out)."""
    response.delete_cookie(
        cookie_name(COOKIE),
        path="/",
        httponly=True,
        secure=runtime().settings.server.https,
        samesite="Lax",
    )
