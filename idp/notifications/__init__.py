"""Messages to members: e-mail by SMTP, SMS (gateway later), and the development outbox.

Public API::

    from idp.notifications import DeliveryFailed, Notifier, build_notifier, current_notifier

    notifier.queue_email(member.email, "password_reset", lang="fr",
                         member_id=member.id, first_name=member.first_name,
                         link=notifier.messages.issuer_url("/reset/" + token),
                         valid_hours=24)

The edges (a view, a command, the mail workers' loop) resolve the app's notifier once with
``current_notifier()`` and pass it down: domain functions take a ``notifier: Notifier``.

``queue_email`` (links, notices) adds the rendered mail to the durable outbox in the caller's
transaction; the mail workers send it once that commits, retrying while the mail server is
down (``mail_queue.py``, ``mail_worker.py``). ``send_email`` and ``send_sms`` (one-time codes)
send at once and are the commit point of the caller's transaction: on success the caller's
pending work is committed with the ``*.sent`` audit event (and the development outbox row); on
failure it is rolled back, ``*.failed`` is committed, and :class:`DeliveryFailed` is raised, so
the member is told at once and can simply try again.
"""

from __future__ import annotations

from idp.notifications.errors import DeliveryFailed
from idp.notifications.messages import Messages
from idp.notifications.notifier import (
    EmailTransport,
    Notifier,
    SmsTransport,
    Unconfigured,
    build_notifier,
    current_notifier,
)
from idp.notifications.outbox import OutboxTransport, latest
from idp.notifications.smtp import SmtpEndpoint, SmtpTransport, parse_smtp_url

__all__ = [
    "DeliveryFailed",
    "EmailTransport",
    "Messages",
    "Notifier",
    "OutboxTransport",
    "SmsTransport",
    "SmtpEndpoint",
    "SmtpTransport",
    "Unconfigured",
    "build_notifier",
    "current_notifier",
    "latest",
    "parse_smtp_url",
]
