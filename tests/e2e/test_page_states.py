"""The member's main page states in a real browser, on a phone (375×812) and a desktop
(1280×800), in French and in English: each is shown in the asked language, saved as a
screenshot (tests/e2e/shots.py) and checked by axe-core (tests/e2e/accessibility.py) with no
violation, nor any CSP violation or script error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, RelyingParty, read_code
from tests.conftest import LiveServer, free_port
from tests.e2e.accessibility import assert_accessible
from tests.e2e.shots import shoot

WRONG_CODE = "000000"


def lang_of(page: Page) -> str:
    return str(page.idp_lang)  # type: ignore[attr-defined]


def check(page: Page, name: str) -> None:
    """The state as the member sees it: in the asked language, screenshot, then axe."""
    assert page.locator("html").get_attribute("lang") == lang_of(page), page.url
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shoot(page, name)
    assert page.csp_errors == [], page.url  # type: ignore[attr-defined]
    assert_accessible(page)


def submit(page: Page, form_with: str) -> None:
    """Press the submit button of the form holding ``form_with`` (a CSS selector)."""
    with page.expect_navigation():
        page.locator(f"form:has({form_with}) button[type=submit]").first.click()


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
def portal(server: LiveServer) -> Iterator[RelyingParty]:
    """The mobile app, with its loopback redirect (RFC 8252 §7.3) on a real listener."""
    listener = HTTPServer(("127.0.0.1", free_port()), _Callback)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    rp = RelyingParty(server.url, "mobile-app")
    rp.redirect_uri = f"http://127.0.0.1:{listener.server_port}/oauth2/callback"
    rp.session.redirect_uri = rp.redirect_uri
    yield rp
    listener.shutdown()
    listener.server_close()
    thread.join(timeout=5)


def open_sign_in(page: Page, portal: RelyingParty) -> None:
    page.goto(portal.authorize_url())


def enter_password(page: Page, password: str) -> None:
    page.locator("input[name=username]").fill(DEMO_NUMBER)
    page.locator("input[name=password]").fill(password)
    submit(page, "input[name=password]")


def reach_code_field(page: Page, portal: RelyingParty) -> None:
    open_sign_in(page, portal)
    enter_password(page, DEMO_PASSWORD)
    if page.locator("input[name=code]").count() == 0:
        page.locator("input[name=channel][value=email]").check()
        submit(page, "input[name=channel]")
    expect(page.locator("input[name=code]")).to_be_visible()


def sign_in(page: Page, portal: RelyingParty) -> None:
    open_sign_in(page, portal)
    enter_password(page, DEMO_PASSWORD)
    if page.locator("input[name=channel]").count():
        page.locator("input[name=channel][value=email]").check()
        submit(page, "input[name=channel]")
    page.locator("input[name=code]").fill(read_code(portal.issuer))
    with page.expect_navigation(url=f"{portal.redirect_uri}**"):
        submit(page, "input[name=code]")


def test_sign_in_page(member_page: Page, portal: RelyingParty):
    open_sign_in(member_page, portal)
    expect(member_page.locator("input[name=password]")).to_be_visible()
    check(member_page, "sign-in")


def test_wrong_password(member_page: Page, portal: RelyingParty):
    open_sign_in(member_page, portal)
    enter_password(member_page, "not-the-password")
    expect(member_page.get_by_role("alert")).to_be_visible()
    assert member_page.locator("input[name=password]").get_attribute("aria-invalid") == "true"
    check(member_page, "sign-in-wrong-password")


def test_code_choice(member_page: Page, portal: RelyingParty):
    open_sign_in(member_page, portal)
    enter_password(member_page, DEMO_PASSWORD)
    expect(member_page.locator("input[name=channel]").first).to_be_visible()
    check(member_page, "code-choice")


def test_code_page(member_page: Page, portal: RelyingParty):
    reach_code_field(member_page, portal)
    assert member_page.locator("input[name=code]").get_attribute("autocomplete") == (
        "one-time-code"
    )
    check(member_page, "code")


def test_wrong_code(member_page: Page, portal: RelyingParty):
    reach_code_field(member_page, portal)
    member_page.locator("input[name=code]").fill(WRONG_CODE)
    submit(member_page, "input[name=code]")
    expect(member_page.get_by_role("alert")).to_be_visible()
    assert member_page.locator("input[name=code]").get_attribute("aria-invalid") == "true"
    check(member_page, "code-wrong")


def test_account_page(member_page: Page, server: LiveServer, portal: RelyingParty):
    sign_in(member_page, portal)
    response = member_page.goto(f"{server.url}/account")
    assert response is not None and response.status == 200
    check(member_page, "account")


def test_password_change_with_an_error(member_page: Page, server: LiveServer, portal: RelyingParty):
    sign_in(member_page, portal)
    member_page.goto(f"{server.url}/account/password")
    member_page.locator("input[name=current_password]").fill("not-the-password")
    member_page.locator("input[name=password]").fill("Tournesol-Bleu-2024")
    member_page.locator("input[name=password_confirmation]").fill("Tournesol-Bleu-2024")
    submit(member_page, "input[name=current_password]")
    expect(member_page.get_by_role("alert")).to_be_visible()
    check(member_page, "password-change-error")


def test_activation_form(member_page: Page, server: LiveServer):
    response = member_page.goto(f"{server.url}/activation")
    assert response is not None and response.status == 200
    expect(member_page.locator("input[name=member_number]")).to_be_visible()
    check(member_page, "activation")


def test_reset_request(member_page: Page, server: LiveServer):
    response = member_page.goto(f"{server.url}/password/forgot")
    assert response is not None and response.status == 200
    check(member_page, "reset-request")


def test_signed_out_page(member_page: Page, server: LiveServer, portal: RelyingParty):
    sign_in(member_page, portal)
    member_page.goto(f"{server.url}/logout")
    submit(member_page, "input[name=logout_request]")
    assert member_page.url.startswith(f"{server.url}/logout")
    check(member_page, "signed-out")
    # Signed out indeed: the account asks to sign in again.
    response = member_page.goto(f"{server.url}/account")
    assert response is not None and response.status == 401


def test_not_found(member_page: Page, server: LiveServer):
    response = member_page.goto(f"{server.url}/no-such-page")
    assert response is not None and response.status == 404
    check(member_page, "not-found")
