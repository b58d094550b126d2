"""The one-time code step in a real browser (headless Chromium, a 375 px phone): the resend
cooldown counted down live by ``static/code_countdown.js`` until the button can be pressed,
the other channel at once during the cooldown, "Ce n'est pas vous ?", in French and English,
with no CSP violation."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import Page, expect

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, RelyingParty, query, read_code
from tests.conftest import LiveServer, free_port

TEXTS = {
    "fr": {
        "identifier": "N° d'adhérent ou adresse e-mail",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "sms": "Par SMS au 06 •• •• •• 78",
        "email": "Par e-mail à c•••••@example.org",
        "send": "Recevoir mon code",
        "sent_sms": "Code envoyé par SMS au 06 •• •• •• 78.",
        "sent_email": "Code envoyé par e-mail à c•••••@example.org.",
        "code": "Code de sécurité (6 chiffres)",
        "resend": "Renvoyer un code",
        "wait": r"Vous pourrez demander un nouveau code dans (\d+) secondes?\.",
        "one": "Vous pourrez demander un nouveau code dans 1 seconde.",
        "ready": "Vous pouvez maintenant demander un nouveau code.",
        "other_channel": "Recevoir le code autrement",
        "not_me": "Ce n'est pas vous ? Se connecter avec un autre compte",
        "title": "Connexion à votre espace",
    },
    "en": {
        "identifier": "Member number or e-mail address",
        "password": "Password",
        "sign_in": "Sign in",
        "sms": "By text message to 06 •• •• •• 78",
        "email": "By e-mail to c•••••@example.org",
        "send": "Send my code",
        "sent_sms": "Code sent by text message to 06 •• •• •• 78.",
        "sent_email": "Code sent by e-mail to c•••••@example.org.",
        "code": "Security code (6 digits)",
        "resend": "Send a new code",
        "wait": r"You can ask for a new code in (\d+) seconds?\.",
        "one": "You can ask for a new code in 1 second.",
        "ready": "You can now ask for a new code.",
        "other_channel": "Receive the code another way",
        "not_me": "Not you? Sign in with another account",
        "title": "Sign in to your account",
    },
}


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
def portal(live_server: LiveServer) -> Iterator[RelyingParty]:
    """The mobile app (a code on every new device), with a real loopback listener."""
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


def cooldown(server: LiveServer, seconds: int) -> None:
    rt = runtime(server.app)
    rt.settings = replace(
        rt.settings, second_factor=replace(rt.settings.second_factor, resend_cooldown=seconds)
    )


def to_code_step(page: Page, portal: RelyingParty, lang: str) -> dict[str, str]:
    texts = TEXTS[lang]
    page.goto(portal.authorize_url(ui_locales=lang))
    page.get_by_label(texts["identifier"]).fill(DEMO_NUMBER)
    page.get_by_label(texts["password"], exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=texts["sign_in"]).click()
    return texts


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_countdown_runs_live_and_enables_the_resend_button(
    page: Page, portal: RelyingParty, live_server: LiveServer, lang: str
):
    cooldown(live_server, 4)
    texts = to_code_step(page, portal, lang)
    page.get_by_label(texts["sms"]).check()
    page.get_by_role("button", name=texts["send"]).click()

    assert page.locator("#code-sent").inner_text() == texts["sent_sms"]
    status = page.locator("#resend-wait")
    assert status.get_attribute("role") == "status"
    first = re.fullmatch(texts["wait"], status.inner_text())
    assert first and 2 <= int(first.group(1)) <= 4, status.inner_text()
    resend = page.get_by_role("button", name=texts["resend"])
    expect(resend).to_be_disabled()
    # The code field is not marked wrong: waiting is not a mistake.
    assert page.get_by_label(texts["code"]).get_attribute("aria-invalid") is None
    assert page.get_by_role("alert").count() == 0
    assert fits_the_phone(page)

    # The text follows the seconds (singular at one), then the button can be pressed.
    expect(status).to_have_text(texts["one"], timeout=5000)
    expect(resend).to_be_disabled()
    expect(status).to_have_text(texts["ready"], timeout=3000)
    expect(resend).to_be_enabled()
    resend.click()

    assert page.locator("#code-sent").inner_text() == texts["sent_sms"]
    expect(page.get_by_role("button", name=texts["resend"])).to_be_disabled()
    code = read_code(portal.issuer)  # the newest code: the one just sent
    page.get_by_label(texts["code"]).fill(code)
    with page.expect_navigation(url=f"{portal.redirect_uri}**"):
        page.get_by_label(texts["code"]).press("Enter")
    assert query(page.url)["state"] == portal.state
    assert page.csp_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_other_channel_during_the_cooldown_sends_at_once(
    page: Page, portal: RelyingParty, lang: str
):
    texts = to_code_step(page, portal, lang)
    page.get_by_label(texts["sms"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.get_by_role("button", name=texts["resend"])).to_be_disabled()
    sms_code = read_code(portal.issuer)

    page.get_by_role("link", name=texts["other_channel"]).click()
    # The e-mail, which can leave now, is the choice offered.
    expect(page.get_by_label(texts["email"])).to_be_checked()
    page.get_by_role("button", name=texts["send"]).click()

    assert page.locator("#code-sent").inner_text() == texts["sent_email"]
    assert re.fullmatch(texts["wait"], page.locator("#resend-wait").inner_text())
    email_code = read_code(portal.issuer)
    code = page.get_by_label(texts["code"])
    if email_code != sms_code:  # the SMS code stopped working
        code.fill(sms_code)
        code.press("Enter")
        expect(page.get_by_role("alert")).to_be_visible()
        code = page.get_by_label(texts["code"])
    code.fill(email_code)
    with page.expect_navigation(url=f"{portal.redirect_uri}**"):
        code.press("Enter")
    assert query(page.url)["state"] == portal.state
    assert page.csp_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_not_me_goes_back_to_an_empty_sign_in_page(page: Page, portal: RelyingParty, lang: str):
    texts = to_code_step(page, portal, lang)
    page.get_by_role("button", name=texts["send"]).click()
    page.get_by_role("button", name=texts["not_me"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(texts["title"])
    assert page.get_by_label(texts["identifier"]).input_value() == ""
    assert page.locator("html").get_attribute("lang") == lang
    assert page.csp_errors == []  # type: ignore[attr-defined]
