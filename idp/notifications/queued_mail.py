"""Adding a mail to the durable outbox (``mail_outbox``), in the caller's transaction; its
statuses. ``mail_queue.py`` delivers what is queued here."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from idp.db import db
from idp.models import QueuedMail
from idp.notifications.messages import email_parts

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
NUDGE = "idp.outbox.nudge"  # session.info flag: wake the workers once this commits


def queue_mail(
    to: str, purpose: str, lang: str, member_id: int | None, message: EmailMessage, *,
    now: datetime,
) -> None:  # fmt: skip
    """Add the rendered ``message`` to the outbox, due ``now``, inside the caller's
    transaction; the workers are woken once it commits."""
    text, html = email_parts(message)
    db.session.add(
        QueuedMail(
            purpose=purpose,
            member_id=member_id,
            recipient=to,
            lang=lang,
            subject=str(message.get("Subject", "")),
            text=text,
            html=html,
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )
    db.session.info[NUDGE] = True
