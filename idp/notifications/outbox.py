"""The development outbox: without SMTP or an SMS gateway, messages are kept in
the ``outbox_messages`` table instead of being sent, and shown at ``/dev/outbox`` and by
``idp outbox``. Never used in production: the notifier refuses there instead.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlalchemy import func, select

from idp.db import db
from idp.models import OutboxMessage
from idp.notifications.masking import mask_email, mask_phone
from idp.notifications.messages import email_parts

log = logging.getLogger(__name__)


class OutboxTransport:
    """Adds an :class:`OutboxMessage` row to the current session; the notifier commits it
    together with the audit event."""

    name = "outbox"

    def send(self, message: EmailMessage, to: str, *, purpose: str = "") -> None:
        text, html = email_parts(message)
        db.session.add(
            OutboxMessage(
                channel="email",
                recipient=to,
                purpose=purpose,
                subject=str(message.get("Subject", "")),
                text=text,
                html=html,
            )
        )
        log.info("E-mail %r to %s kept in the development outbox", purpose, mask_email(to))

    def send_sms(self, to: str, text: str, *, purpose: str = "") -> None:
        db.session.add(
            OutboxMessage(channel="sms", recipient=to, purpose=purpose, subject="", text=text)
        )
        log.info("SMS %r to %s kept in the development outbox", purpose, mask_phone(to))


def latest(recipient: str | None = None, limit: int = 20) -> list[OutboxMessage]:
    """The most recent outbox messages, newest first, optionally for one recipient."""
    query = select(OutboxMessage).order_by(OutboxMessage.at.desc(), OutboxMessage.id.desc())
    if recipient:
        query = query.where(func.lower(OutboxMessage.recipient) == recipient.strip().lower())
    return list(db.session.scalars(query.limit(max(1, limit))))
