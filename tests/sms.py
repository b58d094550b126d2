"""A real HTTP SMS gateway on a free port that keeps what it receives.

It answers ``status`` (200 by default), or waits ``hang`` seconds before answering so that the
provider's timeout fires (the wait is cut short when the gateway stops).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ORIGIN_BOUND = re.compile(r"^@(?P<host>[^\s#]+) #(?P<code>\d{6})$")


@dataclass
class Sms:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")

    def json(self) -> dict[str, Any]:
        return self.body

    @property
    def to(self) -> str:
        return str(self.body.get("to", ""))

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


@dataclass
class SmsGateway:
    status: int = 200
    location: str = ""  # sent with the answer (a redirect the provider must not follow)
    hang: float = 0.0
    received: list[Sms] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/sms"

    def messages(self) -> list[Sms]:
        with self.lock:
            return list(self.received)

    def last(self) -> Sms:
        messages = self.messages()
        assert messages, "the SMS gateway received nothing"
        return messages[-1]

    def code(self) -> str:
        """The code of the newest SMS, from its origin-bound last line ``@host #123456``."""
        last_line = self.last().message.splitlines()[-1]
        match = ORIGIN_BOUND.match(last_line)
        assert match, f"the SMS does not end with '@host #code': {last_line!r}"
        return match["code"]


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for every request thread
    block_on_close = True
    gateway: SmsGateway

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The provider gave up (timeout): nothing to report."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        gateway = self.server.gateway
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = {"raw": raw.decode("utf-8", "replace")}
        with gateway.lock:
            gateway.received.append(Sms(self.path, dict(self.headers.items()), body))
        if gateway.hang:
            gateway.release.wait(gateway.hang)
        try:
            answer = b'{"id": "msg-1"}' if 200 <= gateway.status < 300 else b""
            self.send_response(gateway.status)
            if gateway.location:
                self.send_header("Location", gateway.location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gateway = gateway
    gateway.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
