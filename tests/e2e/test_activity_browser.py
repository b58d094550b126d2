"""The account page's recent activity and "Ce n'était pas moi" in a real browser (headless
Chromium, phone-sized, French, against ``idp serve``): the list fits 375 px and reads newest
first, and the "not me" path changes the password and signs the other device out."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    read_code,
    sign_in_tokens,
)
from tests.conftest import free_port

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEW_PASSWORD = "Tournesol-Bleu-2024"


def assert_clean(page: Page) -> None:
    """No CSP violation (nor script error) so far, and the page fits 375 px."""
    assert page.csp_errors == [], page.url  # type: ignore[attr-defined]
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow} px"


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
def app_rp(provider) -> Iterator[RelyingParty]:
    """The mobile app, its loopback redirect (RFC 8252 §7.3) a real listener on a free port."""
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


def sign_in(page: Page, rp: RelyingParty) -> None:
    """Password, then the one-time code, up to the app's callback."""
    page.goto(rp.authorize_url())
    page.get_by_label("N° d'adhérent ou adresse e-mail").fill(DEMO_NUMBER)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Recevoir mon code").click()
    code = page.get_by_label("Code de sécurité (6 chiffres)")
    code.fill(read_code(rp.issuer))
    with page.expect_navigation(url=f"{rp.redirect_uri}**"):
        code.press("Enter")


def test_member_reads_the_activity_and_says_it_was_not_them(page: Page, provider, app_rp):
    health = RelyingParty(provider.url, "health-portal")
    other = Browser(provider.url)  # another device: a wrong password, then a sign-in
    other.http.headers["User-Agent"] = FIREFOX_WINDOWS
    first = other.go(health.authorize_url())
    assert isinstance(first, requests.Response)
    refused = other.post_password(first, DEMO_NUMBER, "not-the-password")
    assert isinstance(refused, requests.Response) and refused.status_code == 401
    tokens = sign_in_tokens(other, health)

    sign_in(page, app_rp)
    page.goto(f"{provider.url}/account")
    page.get_by_role("link", name="Mon activité récente").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon activité récente")
    items = page.locator("li.activity")
    expect(items).to_have_count(3)
    newest, second, oldest = (items.nth(i).inner_text() for i in range(3))
    assert newest.startswith("Connexion à mon espace santé") and "Firefox" not in newest
    assert "Windows — Firefox" in second and "Adresse IP : 127.0.0.1" in second
    assert oldest.startswith("Tentative refusée : mot de passe incorrect")
    assert re.search(r"\d\d/\d\d/\d{4} à \d\d:\d\d", newest)
    assert_clean(page)

    page.get_by_role("link", name="Ce n'était pas moi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce n'était pas moi")
    main = page.locator("main").inner_text()
    assert "déconnecter tous vos autres appareils" in main and "e-mail de confirmation" in main
    assert_clean(page)
    page.get_by_label("Mot de passe actuel").fill(DEMO_PASSWORD)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer mon mot de passe et tout déconnecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe modifié")
    expect(page.get_by_role("status")).to_contain_text("Votre autre appareil a été déconnecté.")
    assert_clean(page)

    # The other device is signed out, its refresh token refused; this browser stays in.
    again = other.go(health.authorize_url())
    assert isinstance(again, requests.Response) and 'autocomplete="current-password"' in again.text
    answer = health.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    page.goto(f"{provider.url}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
