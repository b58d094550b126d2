"""Forms as a browser would post them, one field at a time spoilt with a control character
(idp/text.py): the sweep of every member and staff form asks each answer to be the page's own
validation error, never a server error."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
CONTROL_FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'([a-z_-]+)="([^"]*)"', re.I)
# What a spoilt field holds: a NUL (PostgreSQL refuses it in text), a terminal escape, a C1.
CONTROLS = {"NUL": "\x00", "ESC": "\x1b[2J", "C1": "\x85"}


@dataclass(frozen=True)
class Form:
    action: str
    method: str  # GET or POST
    fields: dict[str, str]


def form(page: str, action_contains: str) -> Form:
    """The form posting to ``*action_contains*``, each field with the value a browser would
    send untouched (a radio or checkbox: the checked one, else the first; a select: its first
    option)."""
    for match in FORM.finditer(page):
        attributes = {k.lower(): v for k, v in ATTRIBUTE.findall(match.group(1))}
        action = html.unescape(attributes.get("action", ""))
        if action_contains in action:
            method = attributes.get("method", "get").upper()
            return Form(action, method, _fields(match.group(2)))
    raise AssertionError(f"no form posting to *{action_contains}* in page:\n{page}")


def _fields(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag, raw in CONTROL_FIELD.findall(body):
        attributes = {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(raw)}
        name = attributes.get("name")
        if not name or attributes.get("type") == "submit":
            continue
        value = attributes.get("value", "")
        if attributes.get("type") in ("radio", "checkbox"):
            if name in fields and " checked" not in raw:
                continue
        elif tag.lower() == "select":
            option = re.search(r'<option[^>]*value="([^"]*)"', body[body.find(raw) :])
            value = html.unescape(option.group(1)) if option else ""
        fields[name] = value
    return fields


def spoilt(fields: dict[str, str], name: str, control: str) -> dict[str, str]:
    """``fields`` with ``name`` holding ``control`` inside its value (or alone)."""
    value = fields.get(name) or "x"
    return {**fields, name: value[: len(value) // 2] + control + value[len(value) // 2 :]}


def sweep(
    post: Callable[[dict[str, str]], tuple[int, str]],
    fields: dict[str, str],
    skip: tuple[str, ...] = (),
) -> dict[str, tuple[int, str]]:
    """Post the form once per field and control character; the status and page of each
    answer that is a server error (empty: none was)."""
    failed: dict[str, tuple[int, str]] = {}
    for name in fields:
        if name in skip:
            continue
        for label, control in CONTROLS.items():
            status, page = post(spoilt(fields, name, control))
            if status >= 500:
                failed[f"{name}:{label}"] = (status, page[:300])
    return failed
