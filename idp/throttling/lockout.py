"""Account lockout (docs/failure-modes.md, "Lockout"): failed password, one-time-code and
passkey steps count together; after ``max_failures`` within ``window`` the account is locked
for ``duration``, then unlocks by itself.

Exact under concurrency: an attempt is *reserved* in Redis before its secret is checked
(:func:`begin_attempt`), in one Lua call that refuses the reservation once failures plus
attempts in flight reach the threshold. However many guesses arrive at once, on however many
instances, at most ``max_failures`` wrong secrets are ever verified. A reservation left behind
by a crashed worker expires after ``LEASE_SECONDS``. The lock itself is durable in SQL
(``members.locked_until``) and survives a Redis flush; it is started by a conditional
``UPDATE`` so parallel failures start exactly one lock. Token refresh never comes here.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, update

from idp import audit
from idp.db import db
from idp.errors import IdPError
from idp.kv import key
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.limits import HIT_SCRIPT

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

# KEYS: as above. ARGV: reservation id, 1 when the secret was wrong, window (s). Returns the
# failures counted in the window. A wrong secret is counted even if its lease ran out.
SETTLE_SCRIPT = """
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  local n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  return n
end
return tonumber(redis.call('GET', KEYS[1]) or '0')
"""


class AccountLocked(IdPError):
    """Sign-in refused until ``until`` (naive UTC). ``started`` is true for the one request
    whose failure started the lock: its edge signs the member out everywhere."""

    message = "login.locked"

    def __init__(
        self, until: datetime, *, started: bool = False, member_id: int | None = None
    ) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until
        self.started = started
        self.member_id = member_id


class AttemptInProgress(IdPError):
    """Every try the account has left is being checked right now (parallel requests): this
    one is refused without looking at its secret."""

    message = "login.attempt_in_progress"


def _keys(member_id: int) -> tuple[str, str]:
    return key("failures", member_id), key("failures-pending", member_id)


def locked_until(member: Member) -> datetime | None:
    """When the member's lock ends, or None. An expired lock is lifted (and audited) here."""
    if member.locked_until is None:
        return None
    if member.locked_until > runtime().clock.now():
        return member.locked_until
    lifted = db.session.execute(
        update(Member)
        .where(Member.id == member.id, Member.locked_until == member.locked_until)
        .values(locked_until=None)
    )
    if lifted.rowcount == 1:  # type: ignore[attr-defined]
        runtime().redis.delete(*_keys(member.id))
        audit.record("lock.ended", member_id=member.id, commit=False, reason="expired")
    db.session.commit()
    return None


def check_not_locked(member: Member) -> None:
    until = locked_until(member)
    if until is not None:
        raise AccountLocked(until)


@dataclass
class Attempt:
    """One reserved try of a secret for ``member``; settle it with :meth:`failed` or
    :meth:`succeeded` (an attempt left unsettled frees itself after ``LEASE_SECONDS``)."""

    member: Member
    step: str
    reservation: str
    settled: bool = False

    def failed(self, lang: str = "fr") -> int:
        """Count the wrong secret; returns the tries the account has left (``0`` never
        returns: the failure that reaches the threshold raises :class:`AccountLocked`)."""
        failures = self._settle(True)
        settings = runtime().settings.lockout
        audit.record("login.failure_counted", member_id=self.member.id, step=self.step,
                     count=failures)  # fmt: skip
        if failures < settings.max_failures:
            return settings.max_failures - failures
        raise _start_lock(self.member, failures, lang)

    def succeeded(self) -> None:
        self._settle(False)

    def release(self) -> None:
        """Give the reservation back when the check could not run (nothing was verified)."""
        if not self.settled:
            self._settle(False)

    def _settle(self, wrong: bool) -> int:
        self.settled = True
        window = runtime().settings.lockout.window
        count = runtime().redis.eval(
            SETTLE_SCRIPT, 2, *_keys(self.member.id), self.reservation, int(wrong), window
        )
        return int(cast(int, count))


def begin_attempt(member: Member, step: str, lang: str = "fr") -> Attempt:
    """Reserve one try for ``member`` before checking a secret. Raises
    :class:`AccountLocked` (locked, or the threshold already reached) or
    :class:`AttemptInProgress` (the remaining tries are all being checked now)."""
    check_not_locked(member)
    settings = runtime().settings.lockout
    reservation = secrets.token_hex(8)
    now_ms = int(time.time() * 1000)
    granted, failures, _ = cast(
        list[int],
        runtime().redis.eval(
            RESERVE_SCRIPT, 2, *_keys(member.id), settings.max_failures, now_ms,
            LEASE_SECONDS * 1000, reservation,
        ),
    )  # fmt: skip
    if int(granted):
        return Attempt(member, step, reservation)
    if int(failures) >= settings.max_failures:
        raise _start_lock(member, int(failures), lang)  # counted, but the lock is not there
    audit.record("login.attempt_refused", member_id=member.id, step=step, reason="in_flight")
    raise AttemptInProgress()


def tries_left(member: Member) -> int:
    """The failures the account can still take before it locks (for the warning)."""
    failures = int(cast(bytes | None, runtime().redis.get(_keys(member.id)[0])) or 0)
    return max(runtime().settings.lockout.max_failures - failures, 0)


def count_unknown_failure(identifier: str) -> int:
    """A wrong password for an identifier that names no account: counted like a member's
    (under a digest of the identifier), so the warning before the last try shows the same
    whether or not the account exists. Returns the tries "left"."""
    settings = runtime().settings.lockout
    digest = hashlib.sha256(identifier.strip().casefold().encode()).hexdigest()[:32]
    count, _ = cast(
        list[int],
        runtime().redis.eval(HIT_SCRIPT, 1, key("failures-unknown", digest), settings.window),
    )
    return max(settings.max_failures - int(count), 0)


def record_failure(member: Member, step: str, lang: str = "fr") -> int:
    """Count a failure that was not reserved beforehand (a passkey answer, whose signature is
    no guessable secret); raises :class:`AccountLocked` when it starts the lock."""
    try:
        attempt = begin_attempt(member, step, lang)
    except AttemptInProgress:
        return 0
    return attempt.failed(lang)


def _start_lock(member: Member, failures: int, lang: str) -> AccountLocked:
    """Lock the account (once, whatever the number of requests reaching the threshold
    together), e-mail the member, and return the error to raise."""
    now = runtime().clock.now()
    until = now + timedelta(seconds=runtime().settings.lockout.duration)
    started = db.session.execute(
        update(Member)
        .where(Member.id == member.id)
        .where(or_(Member.locked_until.is_(None), Member.locked_until <= now))
        .values(locked_until=until)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        db.session.commit()  # another request locked it first
        db.session.refresh(member)
        return AccountLocked(member.locked_until or until)
    audit.record("lock.started", member_id=member.id, commit=False, failures=failures)
    _notify_locked(member, until, lang)  # the lock and its notice: one unit of work
    db.session.commit()
    return AccountLocked(until, started=True, member_id=member.id)


def clear_failures(member_id: int) -> None:
    """A completed sign-in forgets earlier failures (reservations in flight stay)."""
    runtime().redis.delete(_keys(member_id)[0])


def unlock(member: Member, by: str) -> bool:
    """Lift the lock now (an adviser, or a successful password reset); False if none."""
    runtime().redis.delete(_keys(member.id)[0])
    if member.locked_until is None:
        return False
    member.locked_until = None
    audit.record("lock.ended", member_id=member.id, commit=False, reason=by)
    return True


def local_time(moment: datetime) -> datetime:
    """A naive UTC time as members read it (``IDP_TIMEZONE``)."""
    try:
        zone = ZoneInfo(runtime().settings.brand.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return moment
    return moment.replace(tzinfo=UTC).astimezone(zone)


def _notify_locked(member: Member, until: datetime, lang: str) -> None:
    """Queue the notice (the outbox retries while the mail server is down); the caller
    commits it with the lock."""
    if not member.email:
        return
    current_notifier().queue_email(
        member.email,
        "account_locked",
        lang,
        member_id=member.id,
        first_name=member.first_name,
        until=local_time(until).strftime("%d/%m/%Y %H:%M"),
    )
