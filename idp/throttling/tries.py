"""Tries of a secret counted exactly, whatever arrives at once: the mechanism under the
members' lockout (``lockout.py``) and the staff's (``admin/staff.py``), which differ only in
their budgets and in what a lock does.

A *budget* is a failure counter (expiring ``window`` seconds after its first failure) and a
set of reservations in flight. A try is reserved in one Lua call before its secret is
checked, and refused once failures plus tries in flight reach the threshold: with a
threshold of N, at most N wrong secrets are ever verified per window, on however many
instances. The try is then settled as wrong (counted) or right; a reservation left behind by
a crashed worker frees itself after ``LEASE_SECONDS``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import cast

from redis import Redis

LEASE_SECONDS = 30  # a reservation outlives any honest check of a secret

# KEYS: failures counter, reservations (sorted set scored by expiry). ARGV: threshold, now
# (ms), lease (ms), reservation id. Returns {granted, failures, in_flight}.
RESERVE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
local in_flight = redis.call('ZCARD', KEYS[2])
if failures + in_flight >= tonumber(ARGV[1]) then return {0, failures, in_flight} end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, failures, in_flight + 1}
"""

# KEYS: as above, then optionally a set to add ARGV[4] to on a failure (the member's browsers
# with failures). ARGV: reservation id, 1 when the secret was wrong, window (s), set member.
# Returns the failures counted in the window. A wrong secret is counted even if its lease ran
# out.
SETTLE_SCRIPT = """
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  local n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  if #KEYS == 3 then
    redis.call('SADD', KEYS[3], ARGV[4])
    redis.call('EXPIRE', KEYS[3], ARGV[3])
  end
  return n
end
return tonumber(redis.call('GET', KEYS[1]) or '0')
"""


@dataclass(frozen=True)
class Budget:
    counter: str  # failures in the window
    pending: str  # reservations in flight
    threshold: int
    window: int  # seconds
    # On a failure, ``mark`` is added to the set ``marked_in`` (which budgets have failures).
    marked_in: str = ""
    mark: str = ""

    def clear(self, redis: Redis) -> None:
        redis.delete(self.counter)


@dataclass
class Reservation:
    """One reserved try; settle it with :meth:`failed` or :meth:`succeeded`, or
    :meth:`release` it when the check could not run."""

    budget: Budget
    token: str
    redis: Redis
    settled: bool = field(default=False)

    def failed(self) -> int:
        """Count the wrong secret; returns the failures now counted in the window."""
        return self._settle(True)

    def succeeded(self) -> int:
        return self._settle(False)

    def release(self) -> None:
        if not self.settled:
            self._settle(False)

    def _settle(self, wrong: bool) -> int:
        self.settled = True
        budget = self.budget
        keys = [budget.counter, budget.pending, *([budget.marked_in] if budget.marked_in else [])]
        count = self.redis.eval(
            SETTLE_SCRIPT, len(keys), *keys, self.token, int(wrong), budget.window, budget.mark
        )
        return int(cast(int, count))


@dataclass(frozen=True)
class Refused:
    """No try reserved: ``failures`` reached the threshold (``exhausted``), or the tries
    left are all being checked right now."""

    failures: int

    def exhausted(self, budget: Budget) -> bool:
        return self.failures >= budget.threshold


def reserve(budget: Budget, *, redis: Redis) -> Reservation | Refused:
    token = secrets.token_hex(8)
    now_ms = int(time.time() * 1000)
    granted, failures, _ = cast(
        list[int],
        redis.eval(
            RESERVE_SCRIPT, 2, budget.counter, budget.pending, budget.threshold, now_ms,
            LEASE_SECONDS * 1000, token,
        ),
    )  # fmt: skip
    if int(granted):
        return Reservation(budget, token, redis)
    return Refused(int(failures))
