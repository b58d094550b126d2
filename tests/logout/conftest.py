"""Back-channel logout fixtures: real HTTP receivers standing in for the portals' logout
endpoints, and the provider started with the portals' back-channel URIs pointing at them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from idp.accounts.directory import ensure_demo_member
from idp.config import LogoutSettings
from idp.runtime import runtime
from tests.conftest import (
    TEST_CLIENTS_FILE,
    LiveServer,
    build_app,
    free_port,
    make_settings,
    serve_app,
)

HEALTH_URI = "http://127.0.0.1:5001/auth/backchannel-logout"
PROVIDENT_URI = "http://127.0.0.1:5002/auth/backchannel-logout"


@dataclass
class Delivery:
    content_type: str
    form: dict[str, list[str]]

    @property
    def token(self) -> str:
        [token] = self.form["logout_token"]
        return token


@dataclass
class Receiver:
    """A relying party's back-channel logout endpoint: answers each POST with the next
    scripted ``(status, body, headers)``, then 200, after ``delay`` seconds."""

    answers: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    received: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                status, answer, headers = (
                    receiver.answers.pop(0) if receiver.answers else (200, b"", {})
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(answer)
                with receiver.changed:
                    receiver.received.append(
                        Delivery(self.headers.get("Content-Type", ""), parse_qs(body.decode()))
                    )
                    receiver.changed.notify_all()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/auth/backchannel-logout"

    def wait_for(self, count: int, timeout: float = 10) -> list[Delivery]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.received) >= count, timeout), (
                f"{len(self.received)} logout token(s) received, expected {count}"
            )
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    health, provident = Receiver(), Receiver()
    yield health, provident
    health.close()
    provident.close()


@pytest.fixture
def provider(database_url, tmp_path, receivers) -> Callable:
    """Starts the provider with the two portals' back-channel URIs on the receivers (and the
    mobile app's on ``mobile``, when given: it has none in the test clients)."""

    @contextmanager
    def start(workers: int, mobile: Receiver | None = None, **sections) -> Iterator[LiveServer]:
        health, provident = receivers
        clients = (
            TEST_CLIENTS_FILE.read_text()
            .replace(HEALTH_URI, health.url)
            .replace(PROVIDENT_URI, provident.url)
        )
        if mobile is not None:
            clients = clients.replace(
                "  - client_id: mobile-app\n",
                f"  - client_id: mobile-app\n    backchannel_logout_uri: {mobile.url}\n",
            )
        clients_file = Path(tmp_path) / "clients.yaml"
        clients_file.write_text(clients)
        port = free_port()
        settings = make_settings(
            database_url,
            issuer=f"http://127.0.0.1:{port}",
            clients_file=str(clients_file),
            logout=LogoutSettings(backchannel_workers=workers, backchannel_poll_interval=1),
            **sections,
        )
        app = build_app(settings)
        with app.app_context():
            ensure_demo_member(passwords=runtime().passwords)
        with serve_app(app, port) as served:
            yield served

    return start
