"""Sending e-mail over SMTP, configured by ``IDP_SMTP_URL``.

``smtp://[user[:password]@]host[:port][?starttls=true]`` — plain SMTP, upgraded with STARTTLS
when asked (default port 25, 587 with STARTTLS); ``smtps://…`` — implicit TLS (default 465).
User and password are percent-decoded, so ``p%40ss`` is ``p@ss``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import parse_qsl, unquote, urlsplit

from idp.errors import ConfigError
from idp.notifications.errors import DeliveryFailed

log = logging.getLogger(__name__)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to connect; the password never appears in ``repr``."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    def __str__(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        tls = "?starttls=true" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """Read an ``IDP_SMTP_URL``; :class:`ConfigError` names what is wrong (never the password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ConfigError("IDP_SMTP_URL is not a valid URL (check the port).") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("IDP_SMTP_URL must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise ConfigError("IDP_SMTP_URL must name the mail server host.")
    if parts.path not in ("", "/") or parts.fragment:
        raise ConfigError("IDP_SMTP_URL takes no path: smtp://user:password@host:port")
    starttls = False
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls":
            raise ConfigError(f"IDP_SMTP_URL: unknown option {key!r} (only 'starttls').")
        if value.lower() not in _TRUE | _FALSE:
            raise ConfigError("IDP_SMTP_URL: starttls must be true or false.")
        starttls = value.lower() in _TRUE
    implicit_tls = parts.scheme == "smtps"
    if implicit_tls and starttls:
        raise ConfigError("IDP_SMTP_URL: smtps:// is already TLS; drop ?starttls=true.")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if not (username.isascii() and password.isascii()):
        raise ConfigError("IDP_SMTP_URL: SMTP user name and password must be ASCII.")
    if password and not username:
        raise ConfigError("IDP_SMTP_URL: a password needs a user name.")
    default_port = 465 if implicit_tls else 587 if starttls else 25
    return SmtpEndpoint(
        host=parts.hostname,
        port=port or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=username,
        password=password,
    )


class SmtpTransport:
    """Hands each message to the SMTP server in its own connection."""

    name = "smtp"

    def __init__(self, url: str, mail_from: str, timeout: float = 10) -> None:
        self.endpoint = parse_smtp_url(url)
        self.mail_from = mail_from
        self.timeout = timeout
        self.envelope_from = parseaddr(mail_from)[1]
        if "@" not in self.envelope_from:
            raise ConfigError(f"IDP_MAIL_FROM must contain an e-mail address, got {mail_from!r}.")
        self.domain = self.envelope_from.rpartition("@")[2]

    def send(self, message: EmailMessage, to: str, *, purpose: str = "") -> None:
        """Send ``message`` to ``to``; :class:`DeliveryFailed` when the server cannot be reached
        or refuses it. Sets ``From``, ``To``, ``Date`` and ``Message-ID`` on ``message``."""
        _set(message, "From", self.mail_from)
        _set(message, "To", to)
        _set(message, "Date", format_datetime(datetime.now(UTC)))
        _set(message, "Message-ID", make_msgid(domain=self.domain))
        try:
            with self._connect() as smtp:
                if self.endpoint.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.endpoint.username:
                    smtp.login(self.endpoint.username, self.endpoint.password)
                smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[to])
        except (OSError, smtplib.SMTPException) as error:
            reason = f"SMTP {self.endpoint.host}:{self.endpoint.port}: {_describe(error)}"
            # Debug only: the caller logs the failure once (a code not sent, or the outbox
            # noting that the server is down), not at every retry.
            log.debug("E-mail %r not sent: %s", purpose, reason)
            raise DeliveryFailed(reason) from error
        log.info("E-mail %r sent through %s", purpose, self.endpoint)

    def _connect(self) -> smtplib.SMTP:
        host, port = self.endpoint.host, self.endpoint.port
        if self.endpoint.implicit_tls:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        return smtplib.SMTP(host, port, timeout=self.timeout)


def _set(message: EmailMessage, name: str, value: str) -> None:
    del message[name]
    message[name] = value


def _describe(error: BaseException) -> str:
    """Why it failed, in one line; smtplib errors carry the server's answer, never our
    password (which only travels base64-encoded inside the AUTH exchange)."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
        return f"{type(error).__name__} {error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(f"{code}" for code, _ in error.recipients.values())
        return f"recipient refused ({codes})"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
