"""What the durable outbox (``mail_queue.py``) holds, for operators (``idp outbox --pending``,
``--failed``, ``retry``) and tests: listings, counts, and putting given-up mails back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from idp import audit
from idp.clock import Clock
from idp.db import db
from idp.models import QueuedMail
from idp.notifications.queued_mail import FAILED, NUDGE, PENDING, SENDING


def _in(status: str) -> Any:
    """``pending`` includes the mails being sent."""
    return QueuedMail.status.in_((PENDING, SENDING) if status == PENDING else (status,))


def mails(status: str, limit: int = 50) -> list[QueuedMail]:
    """The outbox's mails in ``status``, oldest first."""
    query = select(QueuedMail).where(_in(status)).order_by(QueuedMail.id)
    return list(db.session.scalars(query.limit(max(1, limit))))


def count(status: str) -> int:
    """How many mails are in ``status``."""
    query = select(func.count()).select_from(QueuedMail).where(_in(status))
    return int(db.session.scalar(query) or 0)


def due_count(now: datetime) -> int:
    """How many mails are being sent or due by ``now`` (not waiting for a retry)."""
    sending_or_due = (QueuedMail.status == SENDING) | (
        (QueuedMail.status == PENDING) & (QueuedMail.next_attempt_at <= now)
    )
    query = select(func.count()).select_from(QueuedMail).where(sending_or_due)
    return int(db.session.scalar(query) or 0)


def retry_failed(ids: list[int] | None, actor: str, *, clock: Clock) -> int:
    """Put failed mails back in the queue, due now with their attempts reset (all of them
    when ``ids`` is None); returns how many. The caller commits."""
    query = select(QueuedMail).where(QueuedMail.status == FAILED)
    if ids is not None:
        query = query.where(QueuedMail.id.in_(ids))
    now = clock.now()
    count = 0
    for mail in db.session.scalars(query.with_for_update()):
        mail.status, mail.attempts, mail.next_attempt_at = PENDING, 0, now
        # A given-up mail gets a fresh age, or it would be given up again at once.
        mail.created_at = now
        audit.record("email.requeued", member_id=mail.member_id, purpose=mail.purpose,
                     actor=actor)  # fmt: skip
        count += 1
    if count:
        db.session.info[NUDGE] = True
    return count
