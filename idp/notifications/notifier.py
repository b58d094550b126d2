"""The one way to send a member a message: picks the transport from the settings, renders
the message for its purpose, sends it, and audits the outcome.

=======  =============================  ================================================
channel  IDP_SMTP_URL / SMS_WEBHOOK_URL  transport
=======  =============================  ================================================
e-mail   set                            :class:`SmtpTransport`
e-mail   unset, development             :class:`OutboxTransport` (``/dev/outbox``)
e-mail   unset, production              :class:`Unconfigured`: refuses, never drops
SMS      set                            :class:`SmsWebhookTransport` (POST to the gateway)
SMS      unset, development             :class:`OutboxTransport` (``/dev/outbox``)
SMS      unset, production              :class:`Unconfigured`: refuses, never drops
=======  =============================  ================================================

Codes (sign-in) are sent at once with :meth:`Notifier.send_email` / :meth:`Notifier.send_sms`:
the member is waiting and must be told at once when one could not leave. Links and notices
are queued with :meth:`Notifier.queue_email` in the caller's transaction and sent by the mail
workers (``mail_queue.py``), which retry while the mail server is down.

The audit events name the purpose, the member and the transport; SMS events also carry the
destination, masked (``to="06 •• •• •• 78"``). Neither the text, the code nor a full number
is ever recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol, cast

from flask import Flask, current_app

from idp import audit
from idp.clock import Clock
from idp.config import Settings
from idp.db import db
from idp.notifications.errors import DeliveryFailed
from idp.notifications.masking import mask_phone
from idp.notifications.messages import Messages
from idp.notifications.outbox import OutboxTransport
from idp.notifications.queued_mail import queue_mail
from idp.notifications.sms_webhook import SmsWebhookTransport
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
    (``sms.sent`` / ``sms.failed``) audit events with the purpose, the member, the transport
    and, for SMS, the masked number (:func:`~idp.notifications.masking.mask_phone`).

    ``send_email`` and ``send_sms`` are for codes only. Each send is the commit point of the
    caller's transaction. On success the caller's pending changes are committed together with
    the audit event (and the outbox row). On failure they are rolled back, the ``*.failed``
    event is committed on its own, and :class:`DeliveryFailed` is raised: the member is told
    at once and can simply ask again. ``queue_email`` joins the caller's transaction instead
    and never fails for the mail server. The context (links, codes) never reaches the audit
    log.
    """

    def __init__(
        self, email: EmailTransport, sms: SmsTransport, messages: Messages, clock: Clock
    ) -> None:
        self.email = email
        self.sms = sms
        self.messages = messages
        self.clock = clock  # when a queued mail falls due

    def send_email(
        self,
        to: str,
        purpose: str,
        lang: str = "fr",
        member_id: int | None = None,
        **context: Any,
    ) -> None:
        """E-mail ``templates/email/<purpose>.{txt,html}`` rendered with ``context`` now, for
        a one-time code the member is waiting for (:class:`DeliveryFailed` when it cannot
        leave). Links and notices go through :meth:`queue_email`."""
        message = self.messages.render_email(purpose, lang, **context)
        self._deliver(
            "email",
            self.email.name,
            lambda: self.email.send(message, _recipient(to), purpose=purpose),
            purpose=purpose,
            member_id=member_id,
            lang=lang,
        )

    def queue_email(
        self,
        to: str,
        purpose: str,
        lang: str = "fr",
        member_id: int | None = None,
        **context: Any,
    ) -> None:
        """Queue ``templates/email/<purpose>.{txt,html}`` rendered with ``context`` in the
        durable outbox, inside the caller's transaction: the mail exists exactly when what it
        carries (a link, a change) is committed, and leaves once it is (the workers are
        woken by the commit). Never raises :class:`DeliveryFailed`: the workers retry, audit
        ``email.sent`` or, at last, ``email.failed``."""
        address = (to or "").strip()
        if not address:
            audit.record("email.failed", member_id=member_id, purpose=purpose,
                         transport=self.email.name,
                         reason="no recipient address on file")  # fmt: skip
            return
        message = self.messages.render_email(purpose, lang, **context)
        queue_mail(address, purpose, lang, member_id, message, now=self.clock.now())

    def send_sms(
        self,
        to: str,
        purpose: str,
        lang: str = "fr",
        member_id: int | None = None,
        **context: Any,
    ) -> None:
        """SMS ``templates/sms/<purpose>.txt`` rendered with ``context`` to ``to`` (E.164,
        ``+33612345678``): through the ``IDP_SMS_WEBHOOK_URL`` gateway when set (non-2xx
        or timeout → :class:`DeliveryFailed`), else to the development outbox, and
        refused in production. The audit events carry the number masked only.
        """
        text = self.messages.render_sms(purpose, lang, **context)
        self._deliver(
            "sms",
            self.sms.name,
            lambda: self.sms.send_sms(_recipient(to), text, purpose=purpose),
            purpose=purpose,
            member_id=member_id,
            lang=lang,
            masked_to=mask_phone(to),
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
        masked_to: str | None = None,
    ) -> None:
        """``masked_to``: the destination as the audit log may show it (never in full)."""
        where: dict[str, Any] = {"to": masked_to} if masked_to is not None else {}
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
                **where,
            )
            db.session.commit()
            log.error(
                "%s %r for member %s not sent: %s", channel, purpose, member_id, failure.detail
            )
            raise
        audit.record(
            f"{channel}.sent",
            member_id=member_id,
            purpose=purpose,
            transport=transport,
            lang=lang,
            **where,
        )
        db.session.commit()


def _recipient(to: str) -> str:
    address = (to or "").strip()
    if not address:
        raise DeliveryFailed("no recipient address on file")
    return address


def build_notifier(settings: Settings, clock: Clock | None = None) -> Notifier:
    """The notifier for these settings (see the table in the module docstring); ``clock``:
    the app's (``runtime().clock``), real time when not given."""
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
    if settings.sms.webhook_url:
        sms = SmsWebhookTransport(
            settings.sms.webhook_url, settings.sms.webhook_token, settings.sms.timeout
        )
    elif production:
        sms = Unconfigured("IDP_SMS_WEBHOOK_URL is not set: SMS cannot be sent in production.")
    else:
        sms = outbox
    return Notifier(email, sms, Messages(settings.brand, settings.server.issuer), clock or Clock())


def current_notifier(app: Flask | None = None) -> Notifier:
    """The app's notifier, built from its settings on first use (tests may replace it in
    ``app.extensions["idp.notifier"]``)."""
    target = app or current_app
    found = target.extensions.get(EXTENSION)
    if found is None:
        rt = runtime(app)
        found = target.extensions[EXTENSION] = build_notifier(rt.settings, rt.clock)
    return cast(Notifier, found)
