"""Account lockout (DESIGN §5): failed password and one-time-code steps count together; after
``max_failures`` within ``window`` the account is locked for ``duration``, then unlocks by
itself.

Counting is one atomic Redis operation, so parallel attempts on several instances are counted
exactly; the lock itself is durable in SQL (``members.locked_until``) and survives a Redis
flush. Token refresh and other activity never come here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import or_, update

from idp import audit
from idp.db import db
from idp.errors import IdPError
from idp.kv import key
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.limits import HIT_SCRIPT


class AccountLocked(IdPError):
    """Sign-in refused until ``until`` (naive UTC)."""

    message = "login.locked"

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


def _failures_key(member_id: int) -> str:
    return key("failures", member_id)


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
        audit.record("lock.ended", member_id=member.id, commit=False, reason="expired")
    db.session.commit()
    return None


def check_not_locked(member: Member) -> None:
    until = locked_until(member)
    if until is not None:
        raise AccountLocked(until)


def record_failure(member: Member, step: str, lang: str = "fr") -> None:
    """Count a failed step; raises :class:`AccountLocked` when this failure starts a lock."""
    settings = runtime().settings.lockout
    count, _ = cast(
        list[int],
        runtime().redis.eval(HIT_SCRIPT, 1, _failures_key(member.id), settings.window),
    )
    audit.record("login.failure_counted", member_id=member.id, step=step, count=int(count))
    if int(count) < settings.max_failures:
        return
    now = runtime().clock.now()
    until = now + timedelta(seconds=settings.duration)
    started = db.session.execute(
        update(Member)
        .where(Member.id == member.id)
        .where(or_(Member.locked_until.is_(None), Member.locked_until <= now))
        .values(locked_until=until)
    )
    runtime().redis.delete(_failures_key(member.id))
    if started.rowcount != 1:  # type: ignore[attr-defined]
        db.session.commit()  # another request locked it first
        db.session.refresh(member)
        raise AccountLocked(member.locked_until or until)
    audit.record("lock.started", member_id=member.id, commit=False, failures=int(count))
    db.session.commit()
    _notify_locked(member, until, lang)
    raise AccountLocked(until)


def clear_failures(member_id: int) -> None:
    """A completed sign-in forgets earlier failures."""
    runtime().redis.delete(_failures_key(member_id))


def unlock(member: Member, by: str) -> bool:
    """Lift the lock now (an adviser, or a successful password reset); False if none."""
    runtime().redis.delete(_failures_key(member.id))
    if member.locked_until is None:
        return False
    member.locked_until = None
    audit.record("lock.ended", member_id=member.id, commit=False, reason=by)
    return True


def local_time(moment: datetime) -> datetime:
    """A naive UTC time as members read it (``IDP_TIMEZONE``)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(runtime().settings.brand.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return moment
    return moment.replace(tzinfo=UTC).astimezone(zone)


def _notify_locked(member: Member, until: datetime, lang: str) -> None:
    if not member.email:
        return
    # Queued: the outbox retries while the mail server is down. The lock is committed
    # already, so the notice is its own unit of work.
    current_notifier().queue_email(
        member.email,
        "account_locked",
        lang,
        member_id=member.id,
        first_name=member.first_name,
        until=local_time(until).strftime("%d/%m/%Y %H:%M"),
    )
    db.session.commit()
