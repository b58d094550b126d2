"""Shared fixtures: a fresh app per test on SQLite + in-process Redis by default, or on the
real PostgreSQL and Redis named by ``IDP_TEST_DATABASE_URL`` / ``IDP_TEST_REDIS_URL``."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from werkzeug.serving import BaseWSGIServer, make_server

from idp import create_app
from idp.config import (
    OutboundSettings,
    PasswordHashSettings,
    ServerSettings,
    Settings,
    StorageSettings,
)
from idp.db import Base, db
from idp.migrate import upgrade

TESTS = Path(__file__).resolve().parent
TEST_CLIENTS_FILE = TESTS / "clients.yaml"
# Secrets of the confidential test clients (tests/clients.yaml names these variables).
CLIENT_SECRETS = {
    "IDP_TEST_SECRET_HEALTH_PORTAL": "health-portal-test-secret-0123456789abcdef",
    "IDP_TEST_SECRET_PROVIDENT_PORTAL": "provident-portal-test-secret-0123456789abcd",
    "IDP_TEST_SECRET_REPORTING": "reporting-service-test-secret-0123456789abcd",
    "IDP_TEST_SECRET_PARTNER": "partner-app-test-secret-0123456789abcdefghij",
    "IDP_TEST_SECRET_ADMIN": "admin-service-test-secret-0123456789abcdefgh",
    "IDP_TEST_SECRET_SUPPORT": "support-service-test-secret-0123456789abcdef",
}
os.environ.update(CLIENT_SECRETS)
TEST_OUTBOUND_ALLOW = "127.0.0.1/32"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("IDP_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db')}/idp-test.sqlite3"
    )
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return url


def make_settings(database_url: str, issuer: str = "http://127.0.0.1:8000", **sections) -> Settings:
    base = Settings(
        server=ServerSettings(issuer=issuer),
        storage=StorageSettings(
            database_url=database_url, redis_url=os.environ.get("IDP_TEST_REDIS_URL", "")
        ),
        password_hash=PasswordHashSettings(),
        # The test portals' back-channel receivers listen on 127.0.0.1: allowed as the
        # group's own portals are in production (tests of refusals use their own list).
        outbound=OutboundSettings(allow=TEST_OUTBOUND_ALLOW),
        clients_file=str(TEST_CLIENTS_FILE),
    )
    return replace(base, **sections)


def _clean(app: Flask) -> None:
    """Empty every table but the signing keys (regenerating RSA keys per test is slow)."""
    with app.app_context():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "signing_keys":
                db.session.execute(table.delete())
        db.session.commit()
    rt = app.extensions["idp"]
    if rt.settings.storage.redis_url:
        rt.redis.flushdb()


def build_app(settings: Settings) -> Flask:
    from idp.clients.sync import sync_clients

    app = create_app(settings)
    _clean(app)
    with app.app_context():
        rt = app.extensions["idp"]
        rt.keys.ensure()
        sync_clients(Path(settings.clients_file), settings=rt.settings, redis=rt.redis)
    return app


def dispose_app(app: Flask) -> None:
    """Close what the app opened: the back-channel logout and mail threads, pooled SQL
    connections and the Redis client."""
    from idp.logout import worker
    from idp.notifications import mail_worker

    worker.stop(app)
    mail_worker.stop(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["idp"].redis.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = build_app(settings)
    with app.app_context():
        yield app
    dispose_app(app)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


class LiveServer:
    """The provider served over real HTTP in a thread of the test process."""

    def __init__(self, app: Flask, server: BaseWSGIServer, url: str) -> None:
        self.app = app
        self.server = server
        self.url = url

    def discovery(self) -> dict:
        import requests

        return requests.get(f"{self.url}/.well-known/openid-configuration", timeout=5).json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(app: Flask, port: int, host: str = "127.0.0.1") -> Iterator[LiveServer]:
    """Serve ``app`` over real HTTP on 127.0.0.1:``port`` in a thread, then clean up.
    ``host`` names it in URLs (``localhost`` where browsers refuse an IP, as for passkeys)."""
    from tests.actors import CODE_READERS, outbox_code_reader

    url = f"http://{host}:{port}"
    CODE_READERS[url] = outbox_code_reader(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server, url)
    finally:
        CODE_READERS.pop(url, None)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        dispose_app(app)


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    port = free_port()
    app = build_app(make_settings(database_url, issuer=f"http://127.0.0.1:{port}"))
    with serve_app(app, port) as served:
        yield served


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The provider over HTTP, with the demo member active."""
    from idp.accounts.directory import ensure_demo_member
    from idp.runtime import runtime

    with live_server.app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    return live_server


@pytest.fixture
def browser(server: LiveServer):
    from tests.actors import Browser

    return Browser(server.url)


@pytest.fixture
def portal(server: LiveServer):
    from tests.actors import RelyingParty

    return RelyingParty(server.url, "health-portal")
