"""The sign-in page in a real browser (headless Chromium): labels, keyboard, language,
errors announced, no CSP violation, fits a phone screen."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import Page

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, RelyingParty, query, read_code
from tests.conftest import free_port


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
def portal(live_server) -> Iterator[RelyingParty]:
    """The mobile app's loopback redirect (RFC 8252 §7.3): a real listener on a free port."""
    with live_server.app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    listener = HTTPServer(("127.0.0.1", free_port()), _Callback)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    rp = RelyingParty(live_server.url, "mobile-app")
    rp.redirect_uri = f"http://127.0.0.1:{listener.server_port}/oauth2/callback"
    rp.session.redirect_uri = rp.redirect_uri
    yield rp
    listener.shutdown()
    listener.server_close()
    thread.join(timeout=5)


def test_member_signs_in_with_the_keyboard_and_lands_on_the_portal(page: Page, portal):
    page.goto(portal.authorize_url())
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à votre espace"
    identifier = page.get_by_label("N° d'adhérent ou adresse e-mail")
    assert identifier.get_attribute("autocomplete") == "username"
    identifier.focus()
    page.keyboard.type(DEMO_NUMBER)
    page.keyboard.press("Tab")
    password = page.get_by_label("Mot de passe", exact=True)
    assert password.evaluate("el => el === document.activeElement")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    # The code step: a new device for the mobile app, so a code is needed.
    page.get_by_role("heading", name="Code de sécurité").wait_for()
    assert page.get_by_label("Par SMS au 06 •• •• •• 78").is_checked()
    page.get_by_label("Par e-mail à c•••••@example.org").check()
    page.get_by_role("button", name="Recevoir mon code").click()
    code = page.get_by_label("Code de sécurité (6 chiffres)")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    assert "quelques instants" in page.locator("main").inner_text()
    code.fill(read_code(portal.issuer))
    with page.expect_navigation(url=f"{portal.redirect_uri}**"):
        code.press("Enter")
    params = query(page.url)
    assert params["code"] and params["state"] == portal.state and params["iss"] == portal.issuer
    assert portal.fetch_token(page.url)["id_token"]
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_wrong_password_is_announced_and_marked_invalid(page: Page, portal):
    page.goto(portal.authorize_url())
    page.get_by_label("N° d'adhérent ou adresse e-mail").fill(DEMO_NUMBER)
    page.get_by_label("Mot de passe", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    assert "Identifiant ou mot de passe incorrect" in alert.inner_text()
    assert page.get_by_label("Mot de passe", exact=True).get_attribute("aria-invalid") == "true"
    # The identifier is kept so the member only retypes the password.
    assert page.get_by_label("N° d'adhérent ou adresse e-mail").input_value() == DEMO_NUMBER


def test_show_password_button_works_under_the_content_security_policy(page: Page, portal):
    page.goto(portal.authorize_url())
    password = page.get_by_label("Mot de passe", exact=True)
    password.fill("secret value")
    toggle = page.get_by_role("button", name="Afficher le mot de passe")
    toggle.click()
    assert password.get_attribute("type") == "text"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_page_fits_a_phone_screen(page: Page, portal):
    page.goto(portal.authorize_url())
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert "04\u00a072\u00a027\u00a072\u00a072" in page.locator("footer").inner_text()


def test_english_on_request_and_by_switch(page: Page, portal):
    page.goto(portal.authorize_url(ui_locales="en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to your account"
    page.get_by_role("link", name="Français").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à votre espace"
