"""A real SMTP server (aiosmtpd) on a free port, and apps pointed at it or at the outbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from idp.config import Settings
from idp.notifications.outbox_page import bp as outbox_bp
from idp.notifications.outbox_page import outbox_command
from tests.conftest import build_app, dispose_app, free_port
from tests.smtp import SmtpServer, start_smtp

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cr:t/p@ss%w0rd"  # needs percent-encoding in the URL


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
