"""Screenshots of page states: ``shoot(page, "sign-in-wrong-password")`` saves a full-page PNG
under ``test-artefacts/screenshots/<viewport>-<lang>-<name>.png`` (``IDP_TEST_ARTEFACTS``
names another folder than ``test-artefacts``), for a person to look at after a run."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

PROJECT = Path(__file__).resolve().parent.parent.parent
SAFE = re.compile(r"[^a-z0-9-]+")

# The viewports of the page fixtures (tests/e2e/conftest.py): a phone, and a laptop's window.
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}


def artefacts() -> Path:
    return Path(os.environ.get("IDP_TEST_ARTEFACTS") or PROJECT / "test-artefacts")


def shot_path(viewport: str, lang: str, name: str) -> Path:
    stem = SAFE.sub("-", f"{viewport}-{lang}-{name}".lower()).strip("-")
    return artefacts() / "screenshots" / f"{stem}.png"


def page_viewport(page: Page) -> str:
    """The fixture's name for the page's viewport ("phone", "desktop"), else its size."""
    named = getattr(page, "idp_viewport", None)
    if named:
        return str(named)
    size = page.viewport_size or {"width": 0, "height": 0}
    return f"{size['width']}x{size['height']}"


def page_lang(page: Page) -> str:
    """The language the page is shown in (its ``<html lang>``), else the fixture's."""
    lang = page.locator("html").get_attribute("lang")
    return lang or str(getattr(page, "idp_lang", "xx"))


def shoot(page: Page, name: str) -> Path:
    """A full-page PNG of what the browser shows now; the folder is created when needed."""
    path = shot_path(page_viewport(page), page_lang(page), name)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
