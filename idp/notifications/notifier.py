"""The one way to send a member a message: picks the transport from the settings, renders
the message for its purpose, sends it, and audits the outcome.

=============  ===========================  ==============================================
channel        IDP_SMTP_URL / SMS webhook   transport
=============  ===========================  ==============================================
e-mail         set                          :class:`SmtpTransport`
e-mail         unset, development           :class:`OutboxTransport` (``/dev/outbox``)
e-mail         unset, production            :class:`Unconfigured`: refuses, never drops
SMS            development                  :class:`OutboxTransport`
SMS            production                   :class:`Unconfigured` until the gateway lands
=============  ===========================  ==============================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol, cast

from flask import Flask, current_app

from idp import audit
from idp.config import Settings
from idp.db import db
from idp.notifications import DeliveryFailed
from idp.notifications.messages import render_email, render_sms
from idp.notifications.outbox import OutboxTransport
from idp.notifications.smtp import SmtpTransport
from idp.runtime import runtime

log = logging.getLogger(__name__)
EXTENSION = "idp.notifier"


class EmailTransport(Protocol):
    name: str

    def send(self, message: EmailMessage, to: str, *, purpose: str = "") -> None:
        """Deliver or keep ``message``; raise :class:`DeliveryFailed` when it cannot."""


class SmsTransport(Protocol):
    name: str

    def send_sms(self, to: str, text: str, *, purpose: str = "") -> None:
        """Deliver or keep ``text``; raise :class:`DeliveryFailed` when it cannot."""


class Unconfigured:
    """A channel with no way to deliver (production without SMTP or SMS gateway): every
    message fails loudly instead of disappearing."""

    name = "unconfigured"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def send(self, message: EmailMessage, to: str, *, purpose: str = "") -> None:
        raise DeliveryFailed(self.reason)

    def send_sms(self, to: str, text: str, *, purpose: str = "") -> None:
        raise DeliveryFailed(self.reason)


class Notifier:
    """Renders and sends messages by purpose, and records ``email.sent`` / ``email.failed``
    (``sms.sent`` / ``sms.failed``) audit events with the purpose and the member.

    Each send is the commit point of the caller's transaction. On success the caller's
    pending changes are committed together with the audit event (and the outbox row). On
    failure they are rolled back, the ``*.failed`` event is committed on its own, and
    :class:`DeliveryFailed` is raised: nothing is half-done (no valid link whose e-mail never
    left), and the member can simply ask again. The context (links, codes) never reaches the
    audit log.
    """

    def __init__(self, email: EmailTransport, sms: SmsTransport) -> None:
        self.email = email
        self.sms = sms

    def send_email(
        self,
        to: str,
        purpose: str,
        lang: str = "fr",
        member_id: int | None = None,
        **context: Any,
    ) -> None:
        """E-mail ``templates/email/<purpose>.{txt,html}`` rendered with ``context``."""
        message = render_email(purpose, lang, **context)
        self._deliver(
            "email",
            self.email.name,
            lambda: self.email.send(message, _recipient(to), purpose=purpose),
            purpose=purpose,
            member_id=member_id,
            lang=lang,
        )

    def send_sms(
        self,
        to: str,
        purpose: str,
        lang: str = "fr",
        member_id: int | None = None,
        **context: Any,
    ) -> None:
        """SMS ``templates/sms/<purpose>.txt`` rendered with ``context``.

        For now SMS only goes to the development outbox (and is refused in production): the
        ``IDP_SMS_WEBHOOK_URL`` gateway transport (DESIGN §6: POST ``{"to", "message"}`` with
        a bearer token, non-2xx or timeout → :class:`DeliveryFailed`) comes with the
        second-factor issue, as another :class:`SmsTransport` chosen in :func:`build_notifier`.
        """
        text = render_sms(purpose, lang, **context)
        self._deliver(
            "sms",
            self.sms.name,
            lambda: self.sms.send_sms(_recipient(to), text, purpose=purpose),
            purpose=purpose,
            member_id=member_id,
            lang=lang,
        )

    def _deliver(
        self,
        channel: str,
        transport: str,
        send: Callable[[], None],
        *,
        purpose: str,
        member_id: int | None,
        lang: str,
    ) -> None:
        try:
            send()
        except DeliveryFailed as failure:
            db.session.rollback()
            audit.record(
                f"{channel}.failed",
                member_id=member_id,
                purpose=purpose,
                transport=transport,
                reason=failure.detail,
            )
            log.error(
                "%s %r for member %s not sent: %s", channel, purpose, member_id, failure.detail
            )
            raise
        audit.record(
            f"{channel}.sent", member_id=member_id, purpose=purpose, transport=transport, lang=lang
        )


def _recipient(to: str) -> str:
    address = (to or "").strip()
    if not address:
        raise DeliveryFailed("no recipient address on file")
    return address


def build_notifier(settings: Settings) -> Notifier:
    """The notifier for these settings (see the table in the module docstring)."""
    outbox = OutboxTransport()
    production = settings.server.production
    email: EmailTransport
    sms: SmsTransport
    if settings.mail.smtp_url:
        email = SmtpTransport(
            settings.mail.smtp_url, settings.mail.mail_from, settings.mail.smtp_timeout
        )
    elif production:
        email = Unconfigured("IDP_SMTP_URL is not set: e-mail cannot be sent in production.")
    else:
        email = outbox
    if production:
        sms = Unconfigured("no SMS gateway transport yet: SMS cannot be sent in production.")
    else:
        sms = outbox
    return Notifier(email, sms)


def current_notifier(app: Flask | None = None) -> Notifier:
    """The app's notifier, built from its settings on first use (tests may replace it in
    ``app.extensions["idp.notifier"]``)."""
    target = app or current_app
    found = target.extensions.get(EXTENSION)
    if found is None:
        found = target.extensions[EXTENSION] = build_notifier(runtime(app).settings)
    return cast(Notifier, found)
