"""The durable outbox (table ``mail_outbox``): activation and reset links and notices are
written there in the transaction of what they carry (``queued_mail.py``), and
the mail workers (``mail_worker.py``) send them with retries. One-time codes never wait here:
the member is waiting for them, so :meth:`Notifier.send_email` sends those at once.

A worker *claims* the earliest due mail: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``
(several instances never take the same row, nor wait for each other), on SQLite a conditional
``UPDATE``. The claim marks it ``sending`` with a lease (``next_attempt_at`` pushed ahead): a
mail whose worker died comes back when the lease runs out (at-least-once). A sent mail keeps
its row (purpose, recipient, dates) but loses its body, which holds the link. A failed
attempt waits ``IDP_OUTBOX_RETRY_DELAY`` seconds, twice as long after each later failure (at
most ``IDP_OUTBOX_RETRY_MAX_DELAY``); after ``IDP_OUTBOX_MAX_ATTEMPTS`` attempts or
``IDP_OUTBOX_MAX_AGE`` seconds it is ``failed``, audited ``email.failed``, and waits for an
operator (``idp outbox retry``).

While the mail server is down, the log says so once, and once again when mail leaves again;
single attempts are logged at debug level only. Neither the body nor the link is ever logged
or audited.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from idp import audit
from idp.clock import Clock
from idp.config import MailSettings
from idp.db import db
from idp.models import QueuedMail
from idp.notifications.errors import DeliveryFailed
from idp.notifications.notifier import EmailTransport, Notifier
from idp.notifications.queued_mail import FAILED, PENDING, SENDING, SENT
from idp.runtime import Runtime

log = logging.getLogger(__name__)

_DOWN = "idp.outbox.down"  # app.extensions: the last attempt failed (for state-change logs)


def _due(now: datetime) -> Any:
    return (QueuedMail.status.in_((PENDING, SENDING))) & (QueuedMail.next_attempt_at <= now)


class MailQueue:
    """Delivers the outbox by the ``mail`` settings through ``transport`` (the notifier's
    e-mail transport), on ``clock``'s time; a worker builds one per round (:meth:`of`)."""

    def __init__(self, settings: MailSettings, transport: EmailTransport, clock: Clock) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock

    @classmethod
    def of(cls, rt: Runtime, notifier: Notifier) -> MailQueue:
        return cls(rt.settings.mail, notifier.email, rt.clock)

    def _lease(self) -> timedelta:
        """Longer than one SMTP exchange can take (connect, then each command, timed out)."""
        return timedelta(seconds=self.settings.smtp_timeout * 4 + 30)

    def claim_next(self, now: datetime) -> tuple[int, datetime] | None:
        """Take the earliest due mail for this worker: its id and the end of its lease."""
        lease_end = now + self._lease()
        order = (QueuedMail.next_attempt_at, QueuedMail.id)
        if db.engine.dialect.name == "postgresql":
            found = db.session.scalars(
                select(QueuedMail.id)
                .where(_due(now))
                .order_by(*order)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            candidates = [found] if found is not None else []
        else:
            candidates = list(
                db.session.scalars(select(QueuedMail.id).where(_due(now)).order_by(*order).limit(5))
            )
        for mail_id in candidates:
            taken = db.session.execute(
                update(QueuedMail)
                .where(QueuedMail.id == mail_id, _due(now))
                .values(status=SENDING, next_attempt_at=lease_end)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                db.session.commit()
                return mail_id, lease_end
        db.session.rollback()
        return None

    def deliver_due(self, now: datetime | None = None, limit: int = 50) -> int:
        """Send the mails due by ``now`` (default: the clock's time), at most ``limit``;
        returns how many were tried. A failed attempt ends the round: the server is likely
        down, and the others are tried at their own time. Threads call it in a loop; tests
        call it too."""
        tried = 0
        while tried < limit:
            moment = now or self.clock.now()
            claimed = self.claim_next(moment)
            if claimed is None:
                break
            tried += 1
            if not self._attempt(*claimed, moment):
                break
        return tried

    def _attempt(self, mail_id: int, lease_end: datetime, now: datetime) -> bool:
        """One delivery of a claimed mail; True when it left."""
        mail = db.session.get(QueuedMail, mail_id)
        if mail is None:
            return True
        transport = self.transport
        try:
            transport.send(_message(mail), mail.recipient, purpose=mail.purpose)
        except DeliveryFailed as failure:
            db.session.rollback()
            self._record_failure(mail_id, lease_end, now, failure.detail)
            return False
        except Exception as error:  # a mail the transport cannot even try (a malformed address)
            log.debug("E-mail %d could not be handed to %s", mail_id, transport.name, exc_info=True)
            db.session.rollback()
            self._record_failure(mail_id, lease_end, now, type(error).__name__)
            return False
        attempts = mail.attempts + 1
        done = db.session.execute(
            update(QueuedMail)
            .where(QueuedMail.id == mail_id, QueuedMail.status == SENDING)
            .where(QueuedMail.next_attempt_at == lease_end)
            .values(status=SENT, attempts=attempts, sent_at=now, text="", html="", last_error=None)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            # The lease ran out and another worker took it: it will be sent (again) from there.
            db.session.rollback()
            return True
        audit.record("email.sent", member_id=mail.member_id, purpose=mail.purpose,
                     transport=transport.name, lang=mail.lang)  # fmt: skip
        db.session.commit()
        _server_state(down=False, reason="")
        return True

    def _record_failure(
        self, mail_id: int, lease_end: datetime, now: datetime, reason: str
    ) -> None:
        settings = self.settings
        transport = self.transport.name
        mail = db.session.get(QueuedMail, mail_id)
        if mail is None or mail.status != SENDING or mail.next_attempt_at != lease_end:
            db.session.rollback()
            return
        mail.attempts += 1
        mail.last_error = reason[:500]
        log.debug(
            "E-mail %d (%r) attempt %d failed: %s", mail.id, mail.purpose, mail.attempts, reason
        )
        too_old = now - mail.created_at >= timedelta(seconds=settings.outbox_max_age)
        if mail.attempts >= settings.outbox_max_attempts or too_old:
            mail.status = FAILED
            audit.record("email.failed", member_id=mail.member_id, purpose=mail.purpose,
                         transport=transport, reason=reason, attempts=mail.attempts)  # fmt: skip
            log.error("E-mail %d (%r) for member %s given up after %d attempts: %s",
                      mail.id, mail.purpose, mail.member_id, mail.attempts, reason)  # fmt: skip
        else:
            mail.status = PENDING
            mail.next_attempt_at = now + self.retry_delay(mail.attempts)
        db.session.commit()
        _server_state(down=True, reason=reason)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts: 30 s, 1 min, 2 min… at most the cap."""
        seconds = self.settings.outbox_retry_delay * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.settings.outbox_retry_max_delay))


def _server_state(*, down: bool, reason: str) -> None:
    """Log when delivery starts failing or works again, not at every attempt."""
    state = current_app.extensions.setdefault(_DOWN, {"down": False})
    if state["down"] == down:
        return
    state["down"] = down
    if down:
        log.error("E-mails cannot be sent (%s): they wait in the outbox and are retried", reason)
    else:
        log.warning("E-mails are sent again: the outbox is being emptied")


def _message(mail: QueuedMail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    if mail.html:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message
