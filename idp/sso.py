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
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis import Redis
from werkzeug.wrappers import Response

from idp.config import SessionSettings
from idp.kv import key
from idp.web.session_records import Lifetime, SessionCookie, SessionRecords

if TYPE_CHECKING:
    from idp.runtime import Runtime

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


def new_public_sid(sid: str) -> str:
    """A one-way digest of the cookie value: an ID token must never reveal the session id."""
    return hashlib.sha256(f"idp public sid:{sid}".encode()).hexdigest()[:40]


def _index(member_id: int) -> str:
    return key("member-sessions", member_id)


class SsoSessions:
    """Members' SSO sessions, on the mechanism shared with the console's
    (``web/session_records.py``): ids kept as they are in the keys, the session settings'
    lifetimes, a site-wide ``SameSite=Lax`` cookie (a relying party's redirect to
    ``/authorize`` must carry it)."""

    def __init__(self, redis: Redis, settings: SessionSettings, *, https: bool) -> None:
        self.redis = redis
        self.settings = settings
        self.lifetime = Lifetime(settings.idle_ttl, settings.absolute_ttl)
        self.records = SessionRecords(redis, kind="session", record=SsoSession, hash_ids=False)
        self.cookie = SessionCookie(COOKIE, "/", "Lax", https)

    @classmethod
    def of(cls, rt: Runtime) -> SsoSessions:
        return cls(rt.redis, rt.settings.session, https=rt.settings.server.https)

    def _ttl(self, session: SsoSession, now: int) -> int:
        return self.lifetime.remaining(session.created_at, now)

    @staticmethod
    def _complete(session: SsoSession) -> SsoSession:
        if not session.public_sid:  # written before sessions stored it
            session.public_sid = new_public_sid(session.sid)
        return session

    def _save(self, session: SsoSession) -> None:
        self.records.put(session, self._ttl(session, int(time.time())))

    def create(
        self, member_id: int, amr: list[str], acr: str, auth_time: int, *,
        user_agent: str = "", ip: str = "", continues: SsoSession | None = None,
        passkey: int | None = None,
    ) -> SsoSession:  # fmt: skip
        """A new session (a new cookie value); ``user_agent`` and ``ip`` name the device on
        the account page. ``continues``: the same member's session this browser had,
        re-authenticated: its ``public_sid``, relying parties and passkeys carry over.
        ``passkey``: the credential this sign-in used."""
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
        pipe = self.redis.pipeline()
        pipe.set(self.records.key(sid), self.records.dump(session), ex=self._ttl(session, now))
        pipe.sadd(_index(member_id), sid)
        pipe.expire(_index(member_id), self.settings.absolute_ttl)
        pipe.execute()
        return session

    def load(self, sid: str | None) -> SsoSession | None:
        """The live session, its idle timer restarted; None when absent or expired."""
        session = self.records.get(sid)
        if session is None:
            return None
        self._complete(session)
        now = int(time.time())
        ttl = self._ttl(session, now)
        if ttl <= 0:
            self.end(session)
            return None
        session.last_seen = now
        self.records.put(session, ttl)
        return session

    def current(self) -> SsoSession | None:
        """The live session of this request's browser (its ``idp_session`` cookie)."""
        return self.load(self.cookie.read())

    def add_client(self, session: SsoSession, client_id: str) -> None:
        if client_id in session.clients:
            return
        session.clients.append(client_id)
        self._save(session)

    def remove_clients(self, session: SsoSession, client_ids: set[str]) -> None:
        """The session no longer signs the member in to these clients (a contract ended, an
        application withdrawn)."""
        kept = [c for c in session.clients if c not in client_ids]
        if kept == session.clients:
            return
        session.clients = kept
        self._save(session)

    def confirm(self, session: SsoSession, at: int) -> None:
        """The member typed their password again in this session (``selfservice/reauth.py``);
        the cookie, ``sid`` and ``auth_time`` stay."""
        session.confirmed_at = max(session.confirmed_at, at)
        self._save(session)

    def end(self, session: SsoSession) -> None:
        pipe = self.redis.pipeline()
        pipe.delete(self.records.key(session.sid))
        pipe.srem(_index(session.member_id), session.sid)
        pipe.execute()

    def members_with_sessions(self) -> set[int]:
        """Every member who has a session index, live or not yet cleaned: an operator signing
        everyone out (``idp accounts sign-out --all``). A scan of the keyspace, never a
        request path."""
        prefix = key("member-sessions", "")
        found: set[int] = set()
        for raw in self.redis.scan_iter(match=prefix + "*", count=1000):
            name = raw.decode() if isinstance(raw, bytes) else raw
            member_id = name.removeprefix(prefix)
            if member_id.isdigit():
                found.add(int(member_id))
        return found

    def _indexed(self, member_id: int) -> list[str]:
        return [s.decode() if isinstance(s, bytes) else s
                for s in self.redis.smembers(_index(member_id))]  # fmt: skip

    def list_sessions(self, member_id: int) -> list[SsoSession]:
        """The member's live sessions, most recently used first, without touching their idle
        timers; index entries of sessions that expired are dropped on the way."""
        sids = self._indexed(member_id)
        if not sids:
            return []
        live: list[SsoSession] = []
        gone: list[str] = []
        raws = self.redis.mget([self.records.key(sid) for sid in sids])
        for sid, raw in zip(sids, raws, strict=True):
            if raw is None:
                gone.append(sid)
            else:
                session = self._complete(self.records.parse(raw))
                if session.member_id == member_id:
                    live.append(session)
        if gone:
            self.redis.srem(_index(member_id), *gone)
        return sorted(live, key=lambda s: s.last_seen, reverse=True)

    def set_cookie(self, response: Response, session: SsoSession) -> None:
        """The cookie lives as long as the session may (its absolute lifetime)."""
        elapsed = int(time.time()) - session.created_at
        self.cookie.set(response, session.sid, max_age=self.settings.absolute_ttl - elapsed)

    def clear_cookie(self, response: Response) -> None:
        """Make the browser forget its session id (after signing out)."""
        self.cookie.clear(response)
