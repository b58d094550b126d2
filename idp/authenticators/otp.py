"""One-time codes sent by SMS or e-mail: 6 digits from ``secrets``, stored only as
an HMAC in Redis, valid a few minutes, single use, bound to one sign-in (the interaction), a
few attempts. A resend replaces the code with fresh attempts; the account's failure count
(``throttling/lockout.py``) is what a resend never resets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, cast

from idp.errors import IdPError
from idp.kv import key
from idp.runtime import runtime

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


def _code_key(binding: str) -> str:
    return key("otp", binding)


def _meta_key(binding: str) -> str:
    return key("otp-meta", binding)


def _attempts_key(binding: str) -> str:
    return key("otp-attempts", binding)


def _mac(binding: str, code: str) -> str:
    secret = runtime().settings.server.secret_key.encode()
    return hmac.new(secret, f"{binding}:{code}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def current(binding: str) -> SentCode | None:
    """The last code sent for this sign-in, while it is live."""
    if not runtime().redis.exists(_code_key(binding)):
        return None
    raw = runtime().redis.get(_meta_key(binding))
    if raw is None:
        return None
    state: dict[str, Any] = json.loads(raw)
    return SentCode(state["channel"], state["sent_at"], state["expires_at"])


def check_resend(binding: str) -> None:
    """Raise :class:`ResendTooSoon` during the cooldown after the last code."""
    sent = current(binding)
    if sent is None:
        return
    wait = sent.sent_at + runtime().settings.second_factor.resend_cooldown - int(time.time())
    if wait > 0:
        raise ResendTooSoon(wait)


def store(binding: str, code: str, channel: str) -> SentCode:
    """Keep the code's HMAC for this sign-in; any earlier code stops working and the new one
    gets its own attempts (the account's failure count, in ``lockout``, is not reset)."""
    settings = runtime().settings.second_factor
    now = int(time.time())
    sent = SentCode(channel, now, now + settings.code_ttl)
    meta = {"channel": channel, "sent_at": now, "expires_at": sent.expires_at}
    pipe = runtime().redis.pipeline()
    pipe.set(_code_key(binding), _mac(binding, code), ex=settings.code_ttl)
    pipe.set(_meta_key(binding), json.dumps(meta), ex=settings.code_ttl)
    pipe.delete(_attempts_key(binding))
    pipe.execute()
    return sent


def verify(binding: str, code: str) -> None:
    """Accept the code once; raises :class:`CodeRejected` or :class:`CodeUnusable`."""
    settings = runtime().settings.second_factor
    digits = "".join(c for c in code if not c.isspace())
    if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
        digits = "x"  # still counted as an attempt
    keys = (_code_key(binding), _attempts_key(binding))
    args = (_mac(binding, digits), settings.max_attempts, settings.code_ttl * 3)
    result = cast(bytes, runtime().redis.eval(VERIFY_SCRIPT, 2, *keys, *args))
    outcome = result.decode() if isinstance(result, bytes) else str(result)
    if outcome == "ok":
        return
    if outcome == "wrong":
        used = int(runtime().redis.get(_attempts_key(binding)) or 0)
        raise CodeRejected(max(settings.max_attempts - used, 0))
    if outcome == "last":  # a wrong guess all the same (it counts toward the lock); code gone
        raise CodeRejected(0)
    raise CodeUnusable()


def forget(binding: str) -> None:
    runtime().redis.delete(_code_key(binding), _meta_key(binding), _attempts_key(binding))
