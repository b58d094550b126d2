"""A real SMTP server (aiosmtpd) on a free port that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.conftest import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """aiosmtpd handler keeping every accepted message; with ``require_login``, it refuses
    messages from sessions that did not authenticate (aiosmtpd's own ``auth_required``
    warns when TLS is not required, and warnings are errors here)."""

    received: list[Received] = field(default_factory=list)
    require_login: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    controller: Controller
    handler: Collector
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def start_smtp(
    port: int | None = None, require_login: bool = False, **smtp_options: Any
) -> SmtpServer:
    handler = Collector(require_login=require_login)
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    return SmtpServer(controller, handler, port)
