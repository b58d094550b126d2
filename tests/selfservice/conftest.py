"""The provider over HTTP with a real SMTP server (aiosmtpd) receiving its e-mails."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import OutboxMessage
from idp.runtime import runtime
from tests.actors import CODE, CODE_READERS, wait_for_mail
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.smtp import SmtpServer, start_smtp

LINK = re.compile(r"https?://[^\s\"<>]+")


@dataclass
class Mailbox:
    """What the SMTP server received, once the provider's outbox has sent what is due."""

    smtp: SmtpServer
    app: Flask | None = None

    def messages_to(self, address: str) -> list[EmailMessage]:
        if self.app is not None:
            wait_for_mail(self.app)
        return [r.message for r in self.smtp.received if address in r.rcpt_tos]

    def last_to(self, address: str) -> EmailMessage:
        messages = self.messages_to(address)
        assert messages, f"no e-mail received by {address}"
        return messages[-1]

    def link_in_last(self, address: str, path: str) -> str:
        body = self.last_to(address).get_body(preferencelist=("plain",))
        assert body is not None
        links = [u for u in LINK.findall(body.get_content()) if path in u]
        assert links, f"no {path} link in the e-mail to {address}"
        return links[0]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    with contextlib.suppress(AssertionError):  # a test may have stopped it already
        server.controller.stop()


@pytest.fixture
def mailbox(site, smtp) -> Mailbox:
    return Mailbox(smtp, site.app)


@pytest.fixture
def site(database_url, smtp) -> Iterator[LiveServer]:
    """Provider with SMTP delivery and a clock the test can move."""
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(replace(base, mail=replace(base.mail, smtp_url=smtp.url)))
    runtime(app).clock = ShiftedClock()
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        # Codes arrive by real e-mail, or by SMS in the development outbox (after a reset by
        # e-mail, the code step offers SMS only).
        CODE_READERS[served.url] = newest_code_reader(app, smtp)
        yield served


def newest_code_reader(app: Flask, smtp: SmtpServer) -> Callable[[], str]:
    """The code just sent: an SMS kept in the development outbox since the last read, else
    the newest one-time-code e-mail."""
    seen = {"sms": 0}

    def read() -> str:
        with app.app_context():
            row = db.session.scalars(
                select(OutboxMessage)
                .filter_by(channel="sms", purpose="otp")
                .where(OutboxMessage.id > seen["sms"])
                .order_by(OutboxMessage.id.desc())
            ).first()
            db.session.remove()
        if row is None:
            return smtp_code(smtp)
        seen["sms"] = row.id
        found = CODE.search(row.text)
        assert found, row.text
        return found.group(1)

    return read


def smtp_code(smtp: SmtpServer) -> str:
    """The code of the newest one-time-code e-mail the SMTP server received."""
    for received in reversed(smtp.received):
        match = CODE.search(str(received.message["Subject"]))
        if match:
            return match.group(1)
    raise AssertionError("no one-time code e-mail received")
