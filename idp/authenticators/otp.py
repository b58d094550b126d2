"""One-time codes sent by SMS or e-mail: 6 digits from ``secrets``, stored only as
an HMAC in Redis, valid a few minutes, single use, bound to one sign-in (the interaction), a
few attempts. A resend replaces the code with fresh attempts; the account's failure count
(``throttling/lockout.py``) is what a resend never resets.

The resend cooldown is per channel: a code by e-mail right after one by SMS (or the reverse)
leaves at once, only a second code on the same channel waits ``IDP_OTP_RESEND_COOLDOWN``
seconds after the last one sent there. Whatever the channel, only the latest code works.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from redis import Redis

from idp.config import SecondFactorSettings
from idp.errors import IdPError
from idp.kv import key
from idp.runtime import Runtime

CODE_DIGITS = 6

# Check a code and count the attempt in one step: no two requests can both use a code, and
# parallel wrong guesses are all counted.
VERIFY_SCRIPT = """
local mac = redis.call('GET', KEYS[1])
if not mac then return 'missing' end
local attempts = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if attempts > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'exhausted'
end
if mac == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 'ok'
end
if attempts >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'last'
end
return 'wrong'
"""


class CodeRejected(IdPError):
    """Wrong code; ``attempts_left`` more tries with this code."""

    message = "otp.wrong"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"{attempts_left} attempt(s) left", attempts_left=attempts_left)
        self.attempts_left = attempts_left


class CodeUnusable(IdPError):
    """No live code for this sign-in (expired, used, or too many wrong tries): send a new one."""

    message = "otp.unusable"


class ResendTooSoon(IdPError):
    message = "otp.resend_too_soon"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s", retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SentCode:
    channel: str  # sms | email
    sent_at: int
    expires_at: int
    # When a code last left by each channel during this sign-in (the latest one included).
    sent_by: Mapping[str, int] = field(default_factory=dict)

    def wait(self, channel: str, cooldown: int, now: int) -> int:
        """Seconds before another code may leave by ``channel`` (0: now)."""
        last = self.sent_by.get(channel)
        if last is None:
            return 0
        return max(last + cooldown - now, 0)


def _code_key(binding: str) -> str:
    return key("otp", binding)


def _meta_key(binding: str) -> str:
    return key("otp-meta", binding)


def _attempts_key(binding: str) -> str:
    return key("otp-attempts", binding)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class OneTimeCodes:
    """The codes of the sign-ins, in ``redis``, by the ``second_factor`` settings and keyed
    with the server's secret; built at the edge (:meth:`of`) and passed down."""

    def __init__(self, settings: SecondFactorSettings, secret_key: str, redis: Redis) -> None:
        self.settings = settings
        self.secret = secret_key.encode()
        self.redis = redis

    @classmethod
    def of(cls, rt: Runtime) -> OneTimeCodes:
        return cls(rt.settings.second_factor, rt.settings.server.secret_key, rt.redis)

    def _mac(self, binding: str, code: str) -> str:
        return hmac.new(self.secret, f"{binding}:{code}".encode(), hashlib.sha256).hexdigest()

    def current(self, binding: str) -> SentCode | None:
        """The last code sent for this sign-in, while it is live."""
        if not self.redis.exists(_code_key(binding)):
            return None
        raw = self.redis.get(_meta_key(binding))
        if raw is None:
            return None
        state: dict[str, Any] = json.loads(raw)
        channel, sent_at = state["channel"], state["sent_at"]
        sent_by = {str(c): int(t) for c, t in state.get("sent_by", {channel: sent_at}).items()}
        return SentCode(channel, sent_at, state["expires_at"], sent_by)

    def resend_wait(self, binding: str, channel: str) -> int:
        """Seconds before a new code may leave by ``channel``: the cooldown runs per channel,
        from the last code sent there, while this sign-in has a live code (a code used up,
        expired or never sent holds nothing back)."""
        sent = self.current(binding)
        if sent is None:
            return 0
        return sent.wait(channel, self.settings.resend_cooldown, int(time.time()))

    def check_resend(self, binding: str, channel: str) -> None:
        """Raise :class:`ResendTooSoon` during ``channel``'s cooldown; another channel is
        never held back."""
        wait = self.resend_wait(binding, channel)
        if wait > 0:
            raise ResendTooSoon(wait)

    def store(self, binding: str, code: str, channel: str) -> SentCode:
        """Keep the code's HMAC for this sign-in; any earlier code stops working, whichever
        channel it went by, and the new one gets its own attempts (the account's failure
        count, in ``lockout``, is not reset). The other channel's last send time is kept for
        its cooldown."""
        ttl = self.settings.code_ttl
        now = int(time.time())
        previous = self.current(binding)
        sent_by = {**(previous.sent_by if previous is not None else {}), channel: now}
        sent = SentCode(channel, now, now + ttl, sent_by)
        meta = {"channel": channel, "sent_at": now, "expires_at": sent.expires_at,
                "sent_by": sent_by}  # fmt: skip
        pipe = self.redis.pipeline()
        pipe.set(_code_key(binding), self._mac(binding, code), ex=ttl)
        pipe.set(_meta_key(binding), json.dumps(meta), ex=ttl)
        pipe.delete(_attempts_key(binding))
        pipe.execute()
        return sent

    def verify(self, binding: str, code: str) -> None:
        """Accept the code once; raises :class:`CodeRejected` or :class:`CodeUnusable`."""
        settings = self.settings
        digits = "".join(c for c in code if not c.isspace())
        if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
            digits = "x"  # still counted as an attempt
        keys = (_code_key(binding), _attempts_key(binding))
        args = (self._mac(binding, digits), settings.max_attempts, settings.code_ttl * 3)
        result = cast(bytes, self.redis.eval(VERIFY_SCRIPT, 2, *keys, *args))
        outcome = result.decode() if isinstance(result, bytes) else str(result)
        if outcome == "ok":
            return
        if outcome == "wrong":
            used = int(self.redis.get(_attempts_key(binding)) or 0)
            raise CodeRejected(max(settings.max_attempts - used, 0))
        if outcome == "last":  # a wrong guess all the same (it counts toward the lock): gone
            raise CodeRejected(0)
        raise CodeUnusable()

    def forget(self, binding: str) -> None:
        self.redis.delete(_code_key(binding), _meta_key(binding), _attempts_key(binding))
