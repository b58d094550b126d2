"""WSGI middleware: percent-encode raw bytes in the query string, as a browser would.

Werkzeug raises on ``request.args`` when the query string holds bytes that are not UTF-8 text,
which would turn any route reading it into a 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

UNSAFE = frozenset(range(0x21)) | frozenset(range(0x7F, 0x100))


class PercentEncodeQuery:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raw = environ.get("QUERY_STRING", "")
        data = raw.encode("latin-1", "replace")
        if any(b in UNSAFE for b in data):
            environ["QUERY_STRING"] = "".join(f"%{b:02X}" if b in UNSAFE else chr(b) for b in data)
        return self.app(environ, start_response)
