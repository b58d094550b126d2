"""Things an outbound request may (or must not) reach: a raw TCP listener counting the
connections made to it, an HTTP server recording what it was sent, a fake DNS."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from ipaddress import ip_address

from idp.outbound.addresses import Address
from idp.outbound.guard import ResolutionFailed, use_resolver

PUBLIC = ip_address("93.184.215.14")  # a global unicast address (no test connects to it)


class TcpListener:
    """A raw TCP socket on 127.0.0.1: ``connections`` counts every connection accepted; each
    is held open without a word, so a client that reaches it waits until its timeout."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@contextmanager
def tcp_listener() -> Iterator[TcpListener]:
    listener = TcpListener()
    try:
        yield listener
    finally:
        listener.close()


@dataclass
class Seen:
    method: str
    path: str
    host: str
    body: bytes


@dataclass
class HttpServer:
    """Answers every request with ``status`` and ``headers``; records what came."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.seen.append(Seen(self.command, self.path, self.headers["Host"], body))
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def http_server(**kwargs: object) -> Iterator[HttpServer]:
    server = HttpServer(**kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.close()


class FakeDns:
    """Answers for the names it knows (changeable at any time: DNS rebinding), counts the
    lookups; other names do not resolve."""

    def __init__(self, names: dict[str, str | list[str]] | None = None) -> None:
        self.names: dict[str, list[Address]] = {}
        self.lookups: list[str] = []
        for name, answer in (names or {}).items():
            self.set(name, answer)

    def set(self, name: str, answer: str | list[str]) -> None:
        answers = [answer] if isinstance(answer, str) else answer
        self.names[name] = [ip_address(a) for a in answers]

    def __call__(self, host: str, port: int) -> list[Address]:
        self.lookups.append(host)
        if host not in self.names:
            raise ResolutionFailed(f"{host} does not resolve")
        return list(self.names[host])


@contextmanager
def fake_dns(dns: FakeDns) -> Iterator[FakeDns]:
    with use_resolver(dns):
        yield dns
