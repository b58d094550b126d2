"""The one mechanism behind both kinds of browser session: a member's SSO session
(``sso.py``) and a staff member's console session (``admin/console/session.py``).

A browser holds a random id in a cookie; Redis holds the session's record, as JSON, under a
key that expires when the session does. What differs between the two is policy, given as
configuration here (docs/architecture.md, "Sessions"):

- the lifetimes: idle timeout and absolute lifetime (``Lifetime``);
- whether Redis keys carry a digest of the id (``hash_ids``: the console's, so a dump of
  Redis names no usable session) or the id itself (members' sessions, whose keys predate it);
- the cookie: name, path and SameSite (``SessionCookie``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Generic, Literal, Protocol, TypeVar

from flask import request
from redis import Redis
from werkzeug.wrappers import Response

from idp.kv import key
from idp.web.cookies import prefixed

# A session id is ``secrets.token_urlsafe(32)`` (43 characters); a longer cookie value is no
# session of ours and is not looked up.
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class Lifetime:
    """A session ends ``idle`` seconds after its last use or ``absolute`` seconds after it
    began, whichever comes first."""

    idle: int
    absolute: int

    def remaining(self, created_at: int, now: int) -> int:
        """Seconds left (zero or less: over)."""
        return min(self.idle, created_at + self.absolute - now)


@dataclass(frozen=True)
class SessionCookie:
    """The cookie carrying a session id, under its browser-enforced prefix
    (``web/cookies.py``). Always HttpOnly; Secure on an https issuer."""

    name: str
    path: str
    samesite: Literal["Lax", "Strict"]
    https: bool

    @property
    def full_name(self) -> str:
        return prefixed(self.name, self.https, self.path)

    def read(self) -> str | None:
        """The value this request's browser sent."""
        return request.cookies.get(self.full_name)

    def set(self, response: Response, sid: str, *, max_age: int) -> None:
        response.set_cookie(self.full_name, sid, max_age=max(max_age, 0), httponly=True,
                            secure=self.https, samesite=self.samesite, path=self.path)  # fmt: skip

    def clear(self, response: Response) -> None:
        """Make the browser forget its session id."""
        response.delete_cookie(self.full_name, path=self.path, httponly=True, secure=self.https,
                               samesite=self.samesite)  # fmt: skip


class Record(Protocol):
    """What a session record has: its id (the cookie value)."""

    sid: str


R = TypeVar("R", bound=Record)


class SessionRecords(Generic[R]):
    """Session records of one kind (a dataclass ``record``) in Redis. Fields a record does not
    know (written by a newer instance) are ignored when it is read."""

    def __init__(self, redis: Redis, *, kind: str, record: type[R], hash_ids: bool) -> None:
        self.redis = redis
        self.kind = kind
        self.record = record
        self.hash_ids = hash_ids
        self._fields = frozenset(f.name for f in fields(record))  # type: ignore[arg-type]

    def key(self, sid: str) -> str:
        if self.hash_ids:
            return key(self.kind, hashlib.sha256(sid.encode()).hexdigest()[:48])
        return key(self.kind, sid)

    def dump(self, session: R) -> str:
        return json.dumps(asdict(session))  # type: ignore[call-overload]

    def put(self, session: R, ttl: int) -> None:
        """Store ``session`` for ``ttl`` seconds (at least one: a session written in its last
        second is still written, and expires)."""
        self.redis.set(self.key(session.sid), self.dump(session), ex=max(ttl, 1))

    def get(self, sid: str | None) -> R | None:
        """The stored record of ``sid``, or None (no such id, a malformed id, expired)."""
        if not sid or len(sid) > MAX_ID_LENGTH:
            return None
        raw = self.redis.get(self.key(sid))
        if raw is None:
            return None
        session = self.parse(raw)
        return session if session.sid == sid else None

    def parse(self, raw: Any) -> R:
        data = json.loads(raw)
        return self.record(**{k: v for k, v in data.items() if k in self._fields})

    def delete(self, sid: str | None) -> None:
        if sid and len(sid) <= MAX_ID_LENGTH:
            self.redis.delete(self.key(sid))
