"""Rate limits: fixed-window counters in Redis, atomic across instances and threads.

``hit`` counts one attempt and raises :class:`RateLimited` (with the seconds until the window
ends) once the limit is passed. The second-factor issue adds lockout beside this module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

from redis import Redis

from idp.config import ThrottleSettings
from idp.errors import IdPError
from idp.kv import key

# INCR and set the window's expiry on the first hit, in one step.
HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
return {n, ttl}
"""


class RateLimited(IdPError):
    message = "error.rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s", retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: int  # seconds


# Activation and reset requests: generous for a member, useless for enumeration at scale.
ACTIVATION_PER_IP = Limit("activation-ip", 20, 3600)
ACTIVATION_PER_MEMBER = Limit("activation-member", 5, 3600)
RESET_PER_IP = Limit("reset-ip", 20, 3600)
RESET_PER_IDENTIFIER = Limit("reset-identifier", 5, 3600)


def password_limits(throttle: ThrottleSettings) -> tuple[Limit, Limit]:
    """Password attempts per IP and per identifier (``IDP_PASSWORD_ATTEMPTS_PER_*``): an
    office behind one address may sign in often; a guesser may not."""
    return (
        Limit("password-ip", throttle.password_per_ip, 300),
        Limit("password-identifier", throttle.password_per_identifier, 300),
    )


def hit(limit: Limit, subject: str, *, redis: Redis) -> None:
    """Count one attempt of ``subject`` (an IP, a member number…) against ``limit``."""
    # Subjects are hashed: keys never hold an e-mail address or a member number in clear.
    digest = hashlib.sha256(subject.strip().casefold().encode()).hexdigest()[:32]
    count, ttl = cast(
        list[int],
        redis.eval(HIT_SCRIPT, 1, key("rate", limit.name, digest), limit.window),
    )
    if int(count) > limit.limit:
        raise RateLimited(max(int(ttl), 1))
