"""Account lockout (docs/failure-modes.md, "Lockout"; docs/security.md, "Lockout that an
attacker cannot aim"): failed password, one-time-code and passkey steps count together; after
``max_failures`` within ``window`` the account is locked for ``duration``, then unlocks by
itself.

Failures are counted per *budget*. A browser that has signed the member in before
(``throttling/known_browsers.py``) has a budget of its own: when it runs out, that browser is
locked out for the member (a Redis hash, ``browser-locks:<member>``) and the member is signed
out everywhere, since the member's own device is failing. Every other browser shares the
member's "unknown browsers" budget: when it runs out, the account is locked for unknown
browsers (``members.locked_until``), while the browsers that know the member keep signing in.
An identifier that names no account has the same budget and lock as a member seen from an
unknown browser (:meth:`Lockout.begin_unknown_attempt`, under a digest of the identifier, the
lock in Redis), so the answers never tell whether it exists, one at a time or under parallel
guessing.

Exact under concurrency: an attempt is *reserved* in Redis before its secret is checked
(:meth:`Lockout.begin_attempt`, on the budgets of ``tries.py``): however many guesses arrive at
once, on however many instances, at most ``max_failures`` wrong secrets are ever verified,
and the others are refused (:class:`AttemptInProgress`, then :class:`AccountLocked`).
The lock itself is durable in SQL (``members.locked_until``) and survives a Redis flush; it
is started by a conditional ``UPDATE`` so parallel failures start exactly one lock. Token
refresh never comes here.

Nothing here looks services up: a view builds one :class:`Lockout` per request
(``Lockout.of(rt, current_notifier)``, ``rt`` the app's runtime) and passes it down;
:func:`unlock` and :func:`clear_failures` need only the Redis client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redis import Redis
from sqlalchemy import or_, update

from idp import audit
from idp.clock import Clock
from idp.config import LockoutSettings
from idp.db import db
from idp.errors import IdPError
from idp.kv import key
from idp.models import Member
from idp.notifications import Notifier
from idp.runtime import Runtime
from idp.throttling import tries
from idp.web import i18n


class AccountLocked(IdPError):
    """Sign-in refused until ``until`` (naive UTC). ``started`` is true for the one request
    whose failure started the lock; when that lock is a browser's that knows the member,
    ``ends_sessions`` is true too and the page's edge signs the member out everywhere."""

    message = "login.locked"

    def __init__(
        self,
        until: datetime,
        *,
        started: bool = False,
        member_id: int | None = None,
        ends_sessions: bool = False,
    ) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until
        self.started = started
        self.member_id = member_id
        self.ends_sessions = ends_sessions


class AttemptInProgress(IdPError):
    """Every try the account has left is being checked right now (parallel requests): this
    one is refused without looking at its secret."""

    message = "login.attempt_in_progress"


def _keys(member_id: int, browser: str | None = None) -> tuple[str, str]:
    """The failure counter and the reservations of one budget."""
    if browser is None:
        return key("failures", member_id), key("failures-pending", member_id)
    return key("failures", member_id, browser), key("failures-pending", member_id, browser)


def _failing_browsers(member_id: int) -> str:
    return key("failing-browsers", member_id)


def _browser_locks(member_id: int) -> str:
    return key("browser-locks", member_id)


def _unknown_keys(identifier: str) -> tuple[str, str, str]:
    """The failure counter, the reservations and the lock of an identifier that names no
    account, under a digest of it."""
    digest = hashlib.sha256(identifier.strip().casefold().encode()).hexdigest()[:32]
    return (key("failures-unknown", digest), key("failures-unknown-pending", digest),
            key("locked-unknown", digest))  # fmt: skip


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def lock_duration(settings: LockoutSettings, lang: str | None = None) -> str:
    """How long a lock lasts, as the warnings and the locked page say it ("24 heures",
    "1 heure"), in the page's language or ``lang``."""
    return i18n.duration(settings.duration, lang, largest="hours")


def local_time(moment: datetime, timezone: str) -> datetime:
    """A naive UTC time as members read it in ``timezone`` (``IDP_TIMEZONE``)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return moment
    return moment.replace(tzinfo=UTC).astimezone(zone)


def clear_failures(member_id: int, browser: str | None = None, *, redis: Redis) -> None:
    """A completed sign-in forgets the earlier failures of its own budget (the browser's,
    or unknown browsers'); reservations in flight stay."""
    redis.delete(_keys(member_id, browser)[0])


def unlock(member: Member, by: str, *, redis: Redis) -> bool:
    """Lift every lock of the member now (an adviser, or a successful password reset): the
    account's for unknown browsers and each browser's own; False if there was none."""
    browsers = [b.decode() for b in cast(set[bytes], redis.smembers(_failing_browsers(member.id)))]
    redis.delete(_keys(member.id)[0], *(_keys(member.id, b)[0] for b in browsers))
    redis.delete(_failing_browsers(member.id))
    browser_locks = int(cast(int, redis.delete(_browser_locks(member.id))))
    if member.locked_until is None and not browser_locks:
        return False
    member.locked_until = None
    audit.record("lock.ended", member_id=member.id, reason=by)
    return True


class Lockout:
    """The members' lockout, on its settings, its Redis, its clock and the notifier of the
    lock notice (written in ``timezone``); built once per request or command (:meth:`of`).

    The notifier is given as the function that returns it and is asked for only when a lock
    notice is queued: a mail setting it cannot be built from never stands in the way of a
    sign-in that locks nothing."""

    def __init__(
        self,
        settings: LockoutSettings,
        redis: Redis,
        clock: Clock,
        notifier: Callable[[], Notifier],
        timezone: str,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.clock = clock
        self.notifier = notifier
        self.timezone = timezone

    @classmethod
    def of(cls, rt: Runtime, notifier: Callable[[], Notifier]) -> Lockout:
        return cls(rt.settings.lockout, rt.redis, rt.clock, notifier, rt.settings.brand.timezone)

    def budget(self, member_id: int, browser: str | None = None) -> tries.Budget:
        """The budget of ``browser`` for the member (None: unknown browsers')."""
        settings = self.settings
        counter, pending = _keys(member_id, browser)
        if browser is None:
            return tries.Budget(counter, pending, settings.max_failures, settings.window)
        return tries.Budget(counter, pending, settings.max_failures, settings.window,
                            marked_in=_failing_browsers(member_id), mark=browser)  # fmt: skip

    def locked_until(self, member: Member, browser: str | None = None) -> datetime | None:
        """When the lock this browser meets ends, or None: the browser's own lock when it
        knows the member (``browser``), the account's lock for unknown browsers otherwise. An
        expired lock is lifted (and audited) here."""
        if browser is not None:
            return self._browser_locked_until(member, browser)
        if member.locked_until is None:
            return None
        if member.locked_until > self.clock.now():
            return member.locked_until
        lifted = db.session.execute(
            update(Member)
            .where(Member.id == member.id, Member.locked_until == member.locked_until)
            .values(locked_until=None)
        )
        if lifted.rowcount == 1:  # type: ignore[attr-defined]
            self.redis.delete(*_keys(member.id))
            audit.record("lock.ended", member_id=member.id, reason="expired")
        db.session.commit()
        return None

    def _browser_locked_until(self, member: Member, browser: str) -> datetime | None:
        redis = self.redis
        raw = cast(bytes | None, redis.hget(_browser_locks(member.id), browser))
        if raw is None:
            return None
        until = _moment(float(raw))
        if until > self.clock.now():
            return until
        if redis.hdel(_browser_locks(member.id), browser):
            redis.delete(_keys(member.id, browser)[0])
            audit.record("lock.ended", member_id=member.id, reason="expired", scope="browser")
        return None

    def check_not_locked(self, member: Member, browser: str | None = None) -> None:
        until = self.locked_until(member, browser)
        if until is not None:
            raise AccountLocked(until)

    def begin_attempt(
        self, member: Member, step: str, lang: str = "fr", *, browser: str | None = None
    ) -> Attempt:
        """Reserve one try for ``member`` before checking a secret, in the budget of
        ``browser`` (:func:`~idp.throttling.known_browsers.known_browser`; None: unknown
        browsers). Raises :class:`AccountLocked` (locked, or the threshold already reached)
        or :class:`AttemptInProgress` (the remaining tries are all being checked now)."""
        self.check_not_locked(member, browser)
        member_budget = self.budget(member.id, browser)
        reserved = tries.reserve(member_budget, redis=self.redis)
        if isinstance(reserved, tries.Reservation):
            return Attempt(self, member, step, reserved, browser)
        if reserved.exhausted(member_budget):
            # counted, but the lock is not there
            raise self._start_lock(member, reserved.failures, lang, browser)
        audit.record("login.attempt_refused", member_id=member.id, step=step, reason="in_flight")
        raise AttemptInProgress()

    def begin_unknown_attempt(self, identifier: str) -> UnknownAttempt:
        """Reserve one try for an identifier that names no account, as :meth:`begin_attempt`
        does for a member seen from an unknown browser (parallel guesses meet the same
        :class:`AttemptInProgress` and the same lock); nothing is audited under the member's
        events since there is no member."""
        counter, pending, lock = _unknown_keys(identifier)
        redis = self.redis
        raw = cast(bytes | None, redis.get(lock))
        if raw is not None:
            until = _moment(float(raw))
            if until > self.clock.now():
                raise AccountLocked(until)
            if redis.delete(lock):  # the lock ended: its failures are forgotten, as a member's
                redis.delete(counter)
        settings = self.settings
        unknown_budget = tries.Budget(counter, pending, settings.max_failures, settings.window)
        reserved = tries.reserve(unknown_budget, redis=redis)
        if isinstance(reserved, tries.Reservation):
            return UnknownAttempt(self, identifier, reserved)
        if reserved.exhausted(unknown_budget):
            raise self._lock_unknown(identifier)
        raise AttemptInProgress()

    def _lock_unknown(self, identifier: str) -> AccountLocked:
        """Start the lock of an unknown identifier once, whatever the number of requests
        reaching the threshold together. It is kept past its end (``window`` more) so that
        its end is seen, and its failures forgotten, as when a member's lock is lifted."""
        settings = self.settings
        redis = self.redis
        lock = _unknown_keys(identifier)[2]
        until = self.clock.now() + timedelta(seconds=settings.duration)
        if redis.set(lock, _epoch(until), ex=max(settings.duration + settings.window, 1), nx=True):
            return AccountLocked(until)
        raw = cast(bytes | None, redis.get(lock))
        return AccountLocked(_moment(float(raw)) if raw is not None else until)

    def record_failure(
        self, member: Member, step: str, lang: str = "fr", *, browser: str | None = None
    ) -> int:
        """Count a failure that was not reserved beforehand (a passkey answer, whose signature
        is no guessable secret); raises :class:`AccountLocked` when it starts the lock."""
        try:
            attempt = self.begin_attempt(member, step, lang, browser=browser)
        except AttemptInProgress:
            return 0
        return attempt.failed(lang)

    def _start_lock(
        self, member: Member, failures: int, lang: str, browser: str | None
    ) -> AccountLocked:
        """Lock the budget that ran out (once, whatever the number of requests reaching the
        threshold together), e-mail the member, and return the error to raise."""
        if browser is not None:
            return self._lock_browser(member, failures, lang, browser)
        now = self.clock.now()
        until = now + timedelta(seconds=self.settings.duration)
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
        audit.record("lock.started", member_id=member.id, failures=failures,
                     scope="unknown_browsers")  # fmt: skip
        # the lock and its notice: one unit of work
        self._notify_locked(member, until, lang, known_browsers_spared=True)
        db.session.commit()
        return AccountLocked(until, started=True, member_id=member.id)

    def _lock_browser(
        self, member: Member, failures: int, lang: str, browser: str
    ) -> AccountLocked:
        """A browser that knows the member ran out of its own budget: lock it out, e-mail the
        member, and have the page sign the member out everywhere (their own device is
        failing: it may be in someone else's hands)."""
        settings = self.settings
        redis = self.redis
        until = self.clock.now() + timedelta(seconds=settings.duration)
        if not redis.hsetnx(_browser_locks(member.id), browser, _epoch(until)):
            return AccountLocked(self.locked_until(member, browser) or until)  # locked by another
        redis.expire(_browser_locks(member.id), settings.duration)
        audit.record("lock.started", member_id=member.id, failures=failures,
                     scope="browser")  # fmt: skip
        self._notify_locked(member, until, lang, known_browsers_spared=False)
        db.session.commit()
        return AccountLocked(until, started=True, member_id=member.id, ends_sessions=True)

    def _notify_locked(
        self, member: Member, until: datetime, lang: str, *, known_browsers_spared: bool
    ) -> None:
        """Queue the notice (the outbox retries while the mail server is down); the caller
        commits it with the lock."""
        if not member.email:
            return
        self.notifier().queue_email(
            member.email,
            "account_locked",
            lang,
            member_id=member.id,
            first_name=member.first_name,
            until=local_time(until, self.timezone).strftime("%d/%m/%Y %H:%M"),
            known_browsers_spared=known_browsers_spared,
            duration=lock_duration(self.settings, lang),
        )


@dataclass
class Attempt:
    """One reserved try of a secret for ``member``; settle it with :meth:`failed` or
    :meth:`succeeded` (an attempt left unsettled frees itself after ``tries.LEASE_SECONDS``)."""

    lockout: Lockout
    member: Member
    step: str
    reservation: tries.Reservation
    browser: str | None = None  # the budget: this known browser's, or unknown browsers'

    def failed(self, lang: str = "fr") -> int:
        """Count the wrong secret; returns the tries the account has left (``0`` never
        returns: the failure that reaches the threshold raises :class:`AccountLocked`)."""
        failures = self.reservation.failed()
        max_failures = self.lockout.settings.max_failures
        audit.record("login.failure_counted", member_id=self.member.id, step=self.step,
                     count=failures)  # fmt: skip
        if failures < max_failures:
            return max_failures - failures
        raise self.lockout._start_lock(self.member, failures, lang, self.browser)

    def succeeded(self) -> None:
        self.reservation.succeeded()

    def release(self) -> None:
        """Give the reservation back when the check could not run (nothing was verified)."""
        self.reservation.release()


@dataclass
class UnknownAttempt:
    """One reserved try for an identifier that names no account: the same budget, the same
    answers and the same lock as a member seen from an unknown browser."""

    lockout: Lockout
    identifier: str
    reservation: tries.Reservation

    def failed(self, lang: str = "fr") -> int:
        """As :meth:`Attempt.failed`: the tries "left", or :class:`AccountLocked` on the
        failure that reaches the threshold."""
        failures = self.reservation.failed()
        max_failures = self.lockout.settings.max_failures
        if failures < max_failures:
            return max_failures - failures
        raise self.lockout._lock_unknown(self.identifier)

    def release(self) -> None:
        self.reservation.release()
