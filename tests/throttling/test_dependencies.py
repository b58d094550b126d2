"""The throttling package takes its services as parameters (docs/architecture.md): nothing in
it looks up ``runtime()`` or ``current_notifier()``; the views build a ``Lockout`` and pass it,
the Redis client and the settings sections down."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "idp" / "throttling"
LOCATORS = frozenset({"runtime", "current_notifier"})


def lookups(source: str) -> list[str]:
    """Each use of a service locator in ``source``: imported, called or referred to."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [f"import {a.name}" for a in node.names if a.name in LOCATORS]
        elif isinstance(node, ast.Name) and node.id in LOCATORS:
            found.append(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in LOCATORS:
            found.append(node.attr)
    return found


def test_throttling_looks_up_no_service():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in modules} >= {"lockout.py", "tries.py", "known_browsers.py", "limits.py"}
    found = {p.name: lookups(p.read_text()) for p in modules}
    assert {name: uses for name, uses in found.items() if uses} == {}


def test_the_check_sees_a_lookup():
    assert lookups("from idp.runtime import runtime\nredis = runtime().redis\n") == [
        "import runtime",
        "runtime",
    ]
    assert lookups("import idp.notifications as n\nn.current_notifier().queue_email()\n") == [
        "current_notifier"
    ]
    assert lookups("def hit(limit, subject, *, redis): redis.eval('')\n") == []
