"""A real SMTP server (aiosmtpd) on a free port, and apps pointed at it or at the outbox."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from idp.config import Settings
from idp.notifications.outbox_page import bp as outbox_bp
from idp.notifications.outbox_page import outbox_command
from tests.conftest import build_app, dispose_app, free_port

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cr:t/p@ss%w0rd"  # needs percent-encoding in the URL


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


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = start_smtp()
    try:
        yield server
    finally:
        server.controller.stop()


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_smtp_server() -> Iterator[SmtpServer]:
    """Requires AUTH (PLAIN/LOGIN over plain TCP: fine on loopback, for the test only)."""
    server = start_smtp(require_login=True, auth_require_tls=False, authenticator=_authenticate)
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def closed_port() -> int:
    """A port nobody listens on: connecting is refused at once."""
    return free_port()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections but never says a word (a hung mail server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        yield sock.getsockname()[1]


def with_mail(settings: Settings, **mail: Any) -> Settings:
    return replace(settings, mail=replace(settings.mail, **mail))


def production(settings: Settings) -> Settings:
    return replace(settings, server=replace(settings.server, env="production"))


def wire_outbox(app: Flask) -> Flask:
    """Register the outbox page and command, unless create_app already does."""
    if "outbox" not in app.blueprints:
        app.register_blueprint(outbox_bp)
    if "outbox" not in app.cli.commands:
        app.cli.add_command(outbox_command)
    return app


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Any]:
    """Build an app (with the outbox wired) from settings; the last one built gets an app
    context. Every app built is disposed of at the end."""
    built: list[Flask] = []
    contexts: list[Any] = []

    def make(app_settings: Settings | None = None) -> Flask:
        app = wire_outbox(build_app(app_settings or settings))
        built.append(app)
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app

    try:
        yield make
    finally:
        for ctx in reversed(contexts):
            ctx.pop()
        for app in built:
            dispose_app(app)
