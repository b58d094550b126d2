"""Visual details in a real browser (headless Chromium, 375 px, French) against ``idp serve``:
the focus ring of a link and of a button, reached with the keyboard, contrasts at least 3:1
with what it is drawn on (WCAG 1.4.11), on the sign-in and the account pages; the advisers'
number stays on one line; the site's icon is found."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from playwright.sync_api import Locator, Page

from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, RelyingParty, read_code
from tests.conftest import free_port
from tests.e2e.conftest import ServerProcess

RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")

# The colour of the outline of the focused element, and the colour it is drawn on: the
# first ancestor's opaque background (the outline lies outside the element, over it).
RING = """el => {
  const style = getComputedStyle(el);
  let parent = el.parentElement, background = "rgb(255, 255, 255)";
  while (parent) {
    const colour = getComputedStyle(parent).backgroundColor;
    if (colour !== "transparent" && !colour.startsWith("rgba(0, 0, 0, 0)")) {
      background = colour;
      break;
    }
    parent = parent.parentElement;
  }
  return {outline: style.outlineColor, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), background: background,
          focused: el === document.activeElement && el.matches(":focus-visible")};
}"""


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>app</title><p>signed in</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def app(provider: ServerProcess) -> Iterator[RelyingParty]:
    """The mobile app, its loopback redirect a real listener (RFC 8252 §7.3)."""
    listener = HTTPServer(("127.0.0.1", free_port()), _Callback)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    rp = RelyingParty(provider.url, "mobile-app")
    rp.redirect_uri = f"http://127.0.0.1:{listener.server_port}/oauth2/callback"
    rp.session.redirect_uri = rp.redirect_uri
    yield rp
    listener.shutdown()
    listener.server_close()
    thread.join(timeout=5)


def luminance(colour: str) -> float:
    match = RGB.fullmatch(colour.strip())
    assert match, colour
    assert match.group(4) in (None, "1"), f"{colour}: a see-through colour"

    def channel(value: str) -> float:
        c = float(value) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(match.group(i)) for i in (1, 2, 3))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def tab_to(page: Page, target: Locator, presses: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user reaches it."""
    handle = target.element_handle()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("el => el === document.activeElement", handle):
            return
    pytest.fail(f"{target} never got the focus with Tab")


def assert_ring_contrasts(page: Page, target: Locator) -> float:
    tab_to(page, target)
    ring = target.evaluate(RING)
    assert ring["focused"], ring
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    ratio = contrast(ring["outline"], ring["background"])
    assert ratio >= 3, f"{target}: {ring['outline']} on {ring['background']} is {ratio:.2f}:1"
    return ratio


def assert_on_one_line(number: Locator) -> None:
    """The number is one box one line high at this width: it does not wrap."""
    lines = number.evaluate(
        "el => ({rects: el.getClientRects().length,"
        " height: el.getBoundingClientRect().height,"
        " line: parseFloat(getComputedStyle(el.parentElement).lineHeight)})"
    )
    assert lines["rects"] == 1, lines
    assert lines["height"] <= lines["line"] + 1, lines


def sign_in(page: Page, app: RelyingParty) -> None:
    page.goto(app.authorize_url())
    page.get_by_label("N° d'adhérent ou adresse e-mail").fill(DEMO_NUMBER)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Recevoir mon code").click()
    code = page.get_by_label("Code de sécurité (6 chiffres)")
    code.fill(read_code(app.issuer))
    with page.expect_navigation(url=f"{app.redirect_uri}**"):
        code.press("Enter")


def test_the_focus_ring_contrasts_on_the_sign_in_page(
    page: Page, provider: ServerProcess, app: RelyingParty
) -> None:
    page.goto(app.authorize_url())
    main = page.locator("main")
    assert_ring_contrasts(page, page.locator("header .lang"))  # on the brand colour
    assert_ring_contrasts(page, main.get_by_role("button", name="Se connecter"))
    assert_ring_contrasts(page, main.get_by_role("link", name="Mot de passe oublié ?"))
    assert_ring_contrasts(page, page.locator("footer a.tel"))  # on the page's grey
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_the_focus_ring_contrasts_on_the_account_pages(
    page: Page, provider: ServerProcess, app: RelyingParty
) -> None:
    sign_in(page, app)
    page.goto(f"{provider.url}/account")
    main = page.locator("main")
    assert_ring_contrasts(page, page.locator("header .sign-out"))
    assert_ring_contrasts(page, main.locator("a.button"))  # a link drawn as a button
    assert_ring_contrasts(page, main.get_by_role("link", name="Mes connexions en cours"))
    page.goto(f"{provider.url}/account/sessions")
    main = page.locator("main")
    assert_ring_contrasts(page, main.get_by_role("button", name="Se déconnecter de cet appareil"))
    assert_ring_contrasts(page, main.get_by_role("button", name="Se déconnecter partout"))
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_the_advisers_number_stays_on_one_line_at_375_px(
    page: Page, provider: ServerProcess, app: RelyingParty
) -> None:
    assert page.viewport_size == {"width": 375, "height": 740}
    page.goto(app.authorize_url())
    number = page.locator("footer a.tel")
    assert number.inner_text() == "04\u00a072\u00a027\u00a072\u00a072"
    assert number.get_attribute("href") == "tel:+33472277272"
    assert_on_one_line(number)
    # Where it wrapped before: the number at the end of a line of the footer's text, whatever
    # the footer's width, by narrowing the footer one pixel at a time.
    footer = page.locator("footer p").first
    for width in range(335, 200, -1):
        footer.evaluate(f"el => el.parentElement.style.setProperty('width', '{width}px')")
        assert_on_one_line(number)


def test_the_site_icon_is_found(page: Page, provider: ServerProcess, app: RelyingParty) -> None:
    page.goto(app.authorize_url())
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    touch = page.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    for href, kind in ((icon, "image/x-icon"), (touch, "image/png")):
        answer = requests.get(f"{provider.url}{href}", timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == kind
        assert "max-age" in answer.headers["Cache-Control"]
