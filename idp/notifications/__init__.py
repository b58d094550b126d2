"""Messages to members: e-mail by SMTP, SMS (gateway later), and the development outbox.

Public API::

    from idp.notifications import DeliveryFailed, Notifier, build_notifier, current_notifier

    current_notifier().send_email(member.email, "password_reset", lang="fr",
                                  member_id=member.id, first_name=member.first_name,
                                  link=issuer_url("/reset/" + token), valid_hours=24)

``send_email`` is the commit point of the caller's transaction: on success the caller's pending
work is committed with the ``email.sent`` audit event (and the outbox row in development); on
failure it is rolled back, ``email.failed`` is committed, and :class:`DeliveryFailed` is raised,
so nothing is half-done and the member can simply try again.
"""

from __future__ import annotations

from idp.errors import IdPError


class DeliveryFailed(IdPError):
    """A message could not be handed to the mail server or the SMS gateway.

    ``detail`` says why, for operators and the audit log (never a password, code or link);
    the member sees the catalog text of ``message``.
    """

    message = "error.delivery_failed"


from idp.notifications.messages import issuer_url, render_email, render_sms  # noqa: E402
from idp.notifications.notifier import (  # noqa: E402
    EmailTransport,
    Notifier,
    SmsTransport,
    Unconfigured,
    build_notifier,
    current_notifier,
)
from idp.notifications.outbox import OutboxTransport, latest  # noqa: E402
from idp.notifications.smtp import SmtpEndpoint, SmtpTransport, parse_smtp_url  # noqa: E402

__all__ = [
    "DeliveryFailed",
    "EmailTransport",
    "Notifier",
    "OutboxTransport",
    "SmsTransport",
    "SmtpEndpoint",
    "SmtpTransport",
    "Unconfigured",
    "build_notifier",
    "current_notifier",
    "issuer_url",
    "latest",
    "parse_smtp_url",
    "render_email",
    "render_sms",
]
