"""The admin API as a service calls it: a ``client_credentials`` access token from the token
endpoint, then JSON over real HTTP; and the provider it calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.clock import ShiftedClock
from idp.config import LogoutSettings
from idp.db import db
from idp.models import AuditEvent, OutboxMessage
from idp.runtime import runtime
from tests.actors import wait_for_mail
from tests.conftest import CLIENT_SECRETS, LiveServer, build_app, free_port, make_settings
from tests.conftest import serve_app as serve

SUPPORT_SERVICE = ("support-service", CLIENT_SECRETS["IDP_TEST_SECRET_SUPPORT"])
ADMIN_SERVICE = ("admin-service", CLIENT_SECRETS["IDP_TEST_SECRET_ADMIN"])
REPORTING_SERVICE = ("reporting-service", CLIENT_SECRETS["IDP_TEST_SECRET_REPORTING"])
SUPPORT_ACTOR = "client:support-service"


@contextmanager
def provider(database_url: str) -> Iterator[LiveServer]:
    """The provider over HTTP with the demo member, a clock the test can move, and logout
    tokens kept queued (no delivery threads knocking at portals that are not there)."""
    port = free_port()
    settings = make_settings(
        database_url,
        issuer=f"http://127.0.0.1:{port}",
        logout=LogoutSettings(backchannel_workers=0),
    )
    app = build_app(settings)
    runtime(app).clock = ShiftedClock()
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve(app, port) as served:
        yield served


@contextmanager
def database(app: Flask) -> Iterator[None]:
    """Look at the provider's database from the test (its own session, closed after)."""
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()


def service_token(server: LiveServer, service: tuple[str, str] = SUPPORT_SERVICE) -> str:
    response = requests.post(
        server.discovery()["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=service,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@dataclass
class AdminApi:
    """Calls ``/admin/api/…`` with a bearer token (or none)."""

    base: str
    token: str | None

    @classmethod
    def as_service(cls, server: LiveServer, service: tuple[str, str] = SUPPORT_SERVICE):
        return cls(f"{server.url}/admin/api", service_token(server, service))

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return requests.request(
            method, self.base + path, headers=headers, timeout=10, allow_redirects=False, **kwargs
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, params=params)

    def post(self, path: str) -> requests.Response:
        return self.call("POST", path)

    def patch(self, path: str, body: Any) -> requests.Response:
        return self.call("PATCH", path, json=body)

    def delete(self, path: str) -> requests.Response:
        return self.call("DELETE", path)


def events_named(app: Flask, name: str) -> list[AuditEvent]:
    with database(app):
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.expunge_all()
    return found


def outbox(app: Flask, purpose: str) -> list[OutboxMessage]:
    """The development outbox's messages for ``purpose``, once the durable outbox has sent
    what is due."""
    wait_for_mail(app)
    with database(app):
        found = list(
            db.session.scalars(
                select(OutboxMessage).filter_by(purpose=purpose).order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
    return found
