"""Log lines nobody can forge, on the production server (`idp serve`, gunicorn): a request
whose path or identifier carries a line break, a NUL or a terminal escape is one line in the
log, escaped (docs/security.md, "Logs"); the app's own lines go through the same formatter
(``idp/logs.py``)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from tests.e2e.conftest import ServerProcess


def raw_request(server: ServerProcess, target: bytes) -> bytes:
    """One HTTP/1.1 request written byte for byte (no client library to clean it up)."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: " + parts.netloc.encode()
            + b"\r\nConnection: close\r\n\r\n"
        )  # fmt: skip
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def log_lines(server: ServerProcess, marker: str) -> list[str]:
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in server.log().splitlines() if marker in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_encoded_line_breaks_and_nul_stay_in_one_escaped_line(provider: ServerProcess):
    answer = raw_request(provider, b"/no-such-page%0a127.0.0.1%20FORGED-ACCESS%00%1b[31m")
    assert answer.startswith(b"HTTP/1.1 404")
    [line] = log_lines(provider, "no-such-page")
    assert "%0a127.0.0.1%20FORGED-ACCESS%00%1b[31m" in line  # as sent, still encoded
    assert not any(line.startswith("127.0.0.1 FORGED") for line in provider.log().splitlines())
    assert "\x00" not in provider.log() and "\x1b" not in provider.log()


def test_raw_control_bytes_are_escaped(provider: ServerProcess):
    """Bytes a lenient parser might let through unencoded are written as escapes."""
    answer = raw_request(provider, b"/raw-marker-\x1b[2J-\x7f-end")
    assert answer.startswith(b"HTTP/1.1 ")  # refused or not found: never a crash
    log = provider.log()
    assert "\x1b" not in log and "\x7f" not in log
    for line in log_lines(provider, "raw-marker"):
        assert line.isprintable(), repr(line)
