"""Control characters in text idp receives: one rule for every surface (admin API, dynamic
registration, clients.yaml, the console and the members' pages; docs/security.md, "Admin and
form input").

C0 controls, DEL and C1 controls are in no name, identifier, URL or address: PostgreSQL
refuses NUL in text (a 500 where a 400 belongs), and the others forge log lines, rewrite a
terminal or hide in a page what a third party called itself. Free text that may span lines
(``lines=True``) keeps its tab and line feed. Letters of every script, spaces and
punctuation are ordinary text.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, lines: bool = False) -> bool:
    """Whether ``value`` holds a control character (tab and line feed allowed by ``lines``)."""
    return (_CONTROL_BUT_LINES if lines else _CONTROL).search(value) is not None


def without_control_characters(value: str) -> str:
    """``value`` with each control character made a space (for a name kept as typed, such
    as a security key's, rather than refused)."""
    return _CONTROL.sub(" ", value)


def find_control_characters(value: Any, where: str = "", *, lines: bool = False) -> str | None:
    """Where the first string of decoded JSON (keys included) holding a control character
    is: ``name``, ``redirect_uris[0]``, ``access.message``; ``where`` (or ``""``) for the
    value itself; ``None`` when there is none."""
    if isinstance(value, str):
        return where if has_control_characters(value, lines=lines) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and has_control_characters(key, lines=lines):
                return where
            found = find_control_characters(item, name, lines=lines)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_control_characters(item, f"{where}[{index}]", lines=lines)
            if found is not None:
                return found
    return None


def top_field(where: str) -> str:
    """The top-level field of a path from :func:`find_control_characters`."""
    return re.split(r"[.\[]", where, maxsplit=1)[0]


def is_ascii_number(value: str) -> bool:
    """Only the digits 0–9 (``str.isdigit`` also takes ``²`` or ``٣``, which ``int``
    refuses or reads as another number)."""
    return value.isascii() and value.isdigit()
