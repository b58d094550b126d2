"""Authorization codes in Redis: single use through one atomic operation, and a replay
marker so a second use revokes what the first one issued (RFC 6749 §4.1.2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from authlib.oidc.core import AuthorizationCodeMixin
from redis import Redis

from idp.config import TokenSettings
from idp.kv import key
from idp.runtime import Runtime

# Take the code and leave a replay marker in one step, so no two requests both get it.
TAKE_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '{}', 'EX', ARGV[1])
end
return v
"""


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    client_id: str
    redirect_uri: str
    scope: str
    member_id: int
    auth_time: int
    amr: list[str]
    acr: str
    sid: str
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    code_hash: str = field(default="", compare=False)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return self.amr


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# Record what a code issued, unless a replay was seen meanwhile (then say so: refuse to issue).
RECORD_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if not v then return false end
if v == '{"replayed": true}' then return v end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return v
"""
# A replay before the first exchange recorded its tokens flags the marker for that exchange.
REPLAY_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if v == '{}' then redis.call('SET', KEYS[1], '{"replayed": true}', 'KEEPTTL') end
return v
"""


class AuthorizationCodes:
    """The codes in Redis, for the lifetimes of the token settings."""

    def __init__(self, redis: Redis, settings: TokenSettings) -> None:
        self.redis = redis
        self.settings = settings

    @classmethod
    def of(cls, rt: Runtime) -> AuthorizationCodes:
        return cls(rt.redis, rt.settings.tokens)

    def save(self, code: str, record: AuthorizationCode) -> None:
        data = asdict(record)
        data.pop("code_hash")
        self.redis.set(
            key("code", digest(code)), json.dumps(data), ex=self.settings.authorization_code_ttl
        )

    def take(self, code: str) -> AuthorizationCode | None:
        """The code's record, removed for good; None if unknown, expired or already used."""
        h = digest(code)
        marker_ttl = self.settings.authorization_code_ttl + self.settings.access_token_ttl
        raw = self.redis.eval(TAKE_SCRIPT, 2, key("code", h), key("code-used", h), marker_ttl)
        if raw is None:
            return None
        return AuthorizationCode(**json.loads(raw), code_hash=h)

    def record_issued(self, code_hash: str, family_id: str | None, jti: str) -> bool:
        """Remember what the code produced, so a replay can revoke it. False when the code
        was replayed while this exchange was under way: the exchange must then fail."""
        marker = key("code-used", code_hash)
        issued = json.dumps({"family_id": family_id, "jti": jti})
        previous = self.redis.eval(RECORD_SCRIPT, 1, marker, issued)
        return not (previous and json.loads(previous).get("replayed"))

    def replayed(self, code: str) -> dict[str, str | None] | None:
        """What a used code issued, if this code was already used; None otherwise."""
        raw = self.redis.eval(REPLAY_SCRIPT, 1, key("code-used", digest(code)))
        return None if raw is None else json.loads(raw)
