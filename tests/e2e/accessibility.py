"""``assert_accessible(page)``: axe-core (npm, ``tests/e2e/node_modules/axe-core``) run on the
page as the browser shows it now; fails listing each violation (rule, impact, elements).

The pages' Content Security Policy (``script-src 'self'``) refuses an injected ``<script>``,
so axe's source is evaluated through Playwright instead, which the CSP does not govern: the
page keeps its real policy while it is checked."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE}): run `npm ci --prefix tests/e2e`.")
    return AXE.read_text()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page now, as it reports them."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe_source()}\n }}")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return list(result["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
        lines.append(f"    {violation['help']} ({violation['helpUrl']})")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    found = violations(page)
    if found:
        pytest.fail(
            f"axe-core, accessibility violations on {page.url}: {len(found)}\n{describe(found)}",
            pytrace=False,
        )
