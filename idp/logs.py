"""Log lines that cannot be forged (ASVS 16.4.1; docs/security.md, "Logs").

Every logged value comes from somewhere a client controls at some point: a path, a header, an
identifier typed in a form. A control character in it could start a fake line (``%0a`` once
decoded), hide text from a terminal (escape sequences) or break a parser (NUL). One formatter
escapes them in every message, for the app's loggers and for the server's error and access
logs alike; the access log also writes the request path as the client sent it (still
percent-encoded), never the decoded one, and without the query string (it carries link
tokens, login hints and states).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %({raw_path}e)s" %(s)s %(b)s %(L)ss'


def escape_controls(text: str) -> str:
    """``text`` with every control character written as ``\\xNN`` / ``\\uNNNN``: one line,
    printable, and what it contained is still readable."""
    return _CONTROLS.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeFormatter(logging.Formatter):
    """Escapes the message (the record's text with its arguments); a traceback appended
    after it keeps its own lines, each escaped and indented, so a line break inside an
    exception's text (a client's input quoted by a parser's error) cannot start a line that
    reads as a record of its own: every record starts at the first column, every
    continuation does not."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return _continuation(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _continuation(super().formatStack(stack_info))


def _continuation(text: str) -> str:
    return "\n".join("  " + escape_controls(line) for line in text.splitlines())


def configure(level: int = logging.INFO) -> None:
    """The process's logging: one handler on stderr for every logger, escaped."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class ServerLogger(GunicornLogger):
    """gunicorn's logger with escaped error and access lines, and the raw path as
    ``{raw_path}e`` for the access format."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                fmt = handler.formatter._fmt if handler.formatter is not None else None
                datefmt = handler.formatter.datefmt if handler.formatter is not None else None
                handler.setFormatter(SafeFormatter(fmt, datefmt))

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        found = super().atoms(resp, req, environ, request_time)
        raw = str(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        found["{raw_path}e"] = raw.split("?", 1)[0]
        return {
            name: escape_controls(value) if isinstance(value, str) else value
            for name, value in found.items()
        }
