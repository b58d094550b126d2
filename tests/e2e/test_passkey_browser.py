"""Face ID / fingerprint (passkeys) in a real browser: headless Chromium with the DevTools
virtual authenticator (a platform authenticator with user verification and resident keys)
runs ``static/passkey.js`` against the provider served on ``localhost`` (browsers refuse
WebAuthn on an IP address); the mobile app receives the member on a real loopback redirect
listener (RFC 8252 §7.3).

The identifier field's autofill (a conditional ``navigator.credentials.get``, started by the
script at page load) behaves differently under the emulation: with ``enableUI: false`` Chromium
has no autofill list to show, so it hands the conditional request to the virtual authenticator
at once. Holding a passkey, the authenticator answers it immediately, as if the member had
picked the passkey from the autofill list the moment the page loaded; holding none, Chromium
rejects it at once (``NotAllowedError``, which the script ignores). A real browser keeps the
request waiting for the member instead. Where the member uses the button, not the autofill,
the tests therefore switch the authenticator's user presence off while the page loads (the
autofill request then waits, as in a real browser) and on only for the button's own request:
from its options fetch to the answer's post (``press_passkey_button``). The button aborts the
waiting autofill request and starts its own, as ``passkey.js`` does in a real browser.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Locator, Page, Route, expect
from sqlalchemy import func, select

from idp.accounts.directory import ensure_demo_member
from idp.db import db
from idp.models import Member, OutboxMessage, PasskeyCredential
from idp.runtime import runtime
from idp.web.catalog import FR
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    HEALTH_PORTAL_CALLBACK,
    RelyingParty,
    jwt_claims,
    query,
    read_code,
    wait_for_mail,
)
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app

ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"
PASSKEY_AMR = ["hwk", "mfa", "user"]
EMAIL_CHOICE = FR["otp.by_email"].format(destination="c•••••@example.org")
SIGN_IN_OPTIONS = "**/login/*/passkey/options"  # what the script fetches before asking
SIGN_IN_ANSWER = "**/login/*/passkey"  # where it posts the browser's answer
WAIT_MS = 15_000  # one navigation or ceremony; they take well under a second


# --- the provider on localhost, the app's loopback listener, the virtual authenticator -----


@dataclass
class Site:
    served: LiveServer

    @property
    def url(self) -> str:
        return self.served.url

    def count(self, model: Any, **where: Any) -> int:
        wait_for_mail(self.served.app)  # notices reach the development outbox through the queue
        with self.served.app.app_context():
            found = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
            db.session.remove()
            return int(found or 0)

    def otp_mails(self) -> int:
        return self.count(OutboxMessage, purpose="otp")

    def webauthn_handle(self) -> bytes | None:
        with self.served.app.app_context():
            member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
            handle = member.webauthn_handle
            db.session.remove()
            return handle


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The provider on ``localhost`` with the demo member active."""
    port = free_port()
    app = build_app(make_settings(database_url, issuer=f"http://localhost:{port}"))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port, host="localhost") as served:
        yield Site(served)


class _AppCallback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>app</title><p>signed in</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def app_rp(site: Site) -> Iterator[RelyingParty]:
    """The mobile app, its redirect URI on a real loopback listener."""
    listener = HTTPServer(("127.0.0.1", free_port()), _AppCallback)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    rp = RelyingParty(site.url, "mobile-app", scope="openid profile member offline_access")
    rp.redirect_uri = f"http://127.0.0.1:{listener.server_port}/oauth2/callback"
    rp.session.redirect_uri = rp.redirect_uri
    yield rp
    listener.shutdown()
    listener.server_close()
    thread.join(timeout=5)


@dataclass
class VirtualAuthenticator:
    """The phone's Face ID / fingerprint, as Chromium's DevTools emulate it."""

    cdp: CDPSession
    id: str

    def credentials(self) -> list[dict[str, Any]]:
        found = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return list(found["credentials"])

    def presence(self, on: bool) -> None:
        """Whether the member touches the sensor when asked (off: requests wait)."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": self.id, "enabled": on}
        )


@pytest.fixture
def authenticator(page: Page) -> VirtualAuthenticator:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "ctap2Version": "ctap2_1",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return VirtualAuthenticator(cdp, added["authenticatorId"])


# --- what the member does and sees ----------------------------------------------------------


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def passkey_button(page: Page) -> Locator:
    return page.get_by_role("button", name=FR["passkey.signin"])


def open_sign_in(page: Page, rp: RelyingParty) -> None:
    page.goto(rp.authorize_url())
    expect(heading(page)).to_have_text(FR["login.title"])


def open_sign_in_ignoring_autofill(
    page: Page, rp: RelyingParty, authenticator: VirtualAuthenticator
) -> None:
    """The sign-in page, its autofill request left waiting (see the module's docstring)."""
    authenticator.presence(False)
    with page.expect_response(SIGN_IN_OPTIONS) as autofill:
        page.goto(rp.authorize_url())
    assert autofill.value.ok
    expect(heading(page)).to_have_text(FR["login.title"])
    expect(passkey_button(page)).to_be_visible()


def press_passkey_button(page: Page, authenticator: VirtualAuthenticator) -> None:
    """The member presses the button and then touches the sensor: presence is on from the
    button's options fetch (after the script aborted the autofill request) until the answer
    is posted (so that the autofill request of the page that follows waits again)."""

    def asked(route: Route) -> None:
        authenticator.presence(True)
        route.continue_()

    def answered(route: Route) -> None:
        authenticator.presence(False)
        route.continue_()

    page.route(SIGN_IN_OPTIONS, asked, times=1)
    page.route(SIGN_IN_ANSWER, answered, times=1)
    passkey_button(page).click()


def type_password(page: Page) -> None:
    page.get_by_label(FR["login.identifier"]).fill(DEMO_NUMBER)
    page.get_by_label(FR["login.password"], exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=FR["login.submit"], exact=True).click()


def pass_code_step(page: Page, issuer: str) -> None:
    """E-mail when a choice is offered, then the code read from the development outbox."""
    expect(heading(page)).to_have_text(FR["otp.title"])
    by_email = page.get_by_label(EMAIL_CHOICE)
    if by_email.count():
        by_email.check()
        page.get_by_role("button", name=FR["otp.send"]).click()
    code = page.get_by_label(FR["otp.code"])
    code.fill(read_code(issuer))
    code.press("Enter")


def land_on_app(page: Page, rp: RelyingParty) -> dict[str, Any]:
    """The browser is on the app's callback; the app exchanges the code."""
    page.wait_for_url(f"{rp.redirect_uri}?**", timeout=WAIT_MS)
    expect(page.locator("p")).to_have_text("signed in")
    params = query(page.url)
    assert params["state"] == rp.state and params["iss"] == rp.issuer and params["code"]
    return rp.fetch_token(page.url)


def id_claims(tokens: dict[str, Any], issuer: str) -> dict[str, Any]:
    return jwt_claims(tokens["id_token"], issuer)[1]


def turn_on_face_id(page: Page, site: Site, rp: RelyingParty) -> dict[str, Any]:
    """From the app's sign-in page: a full sign-in (password, then a code: a new device), the
    offer accepted; the ID token's claims."""
    expect(passkey_button(page)).to_be_visible()
    type_password(page)
    pass_code_step(page, site.url)
    expect(heading(page)).to_have_text(FR["passkey.offer_title"])
    expect(page.get_by_role("button", name=FR["passkey.offer_later"])).to_be_visible()
    page.get_by_role("button", name=FR["passkey.offer_accept"]).click()
    return id_claims(land_on_app(page, rp), site.url)


# --- the scenarios ---------------------------------------------------------------------------


def test_member_turns_on_face_id_signs_in_with_it_then_removes_it(
    page: Page, site: Site, app_rp: RelyingParty, authenticator: VirtualAuthenticator
) -> None:
    # 1. A full sign-in in the app, the button already shown; the offer accepted.
    open_sign_in(page, app_rp)
    identifier = page.get_by_label(FR["login.identifier"])
    assert identifier.get_attribute("autocomplete") == "username webauthn"
    first = turn_on_face_id(page, site, app_rp)
    assert "pwd" in first["amr"] and "otp" in first["amr"]
    held = authenticator.credentials()
    assert len(held) == 1
    assert held[0]["isResidentCredential"] is True and held[0]["rpId"] == "localhost"
    handle = site.webauthn_handle()
    assert handle is not None
    assert held[0]["userHandle"] == base64.b64encode(handle).decode("ascii")
    assert site.count(PasskeyCredential) == 1

    # 2. The member signs out. RP-initiated logout arrives with another issue; until then the
    # browser just forgets its cookies (the SSO session, the remembered device). Same page,
    # same phone: the authenticator keeps the passkey.
    page.context.clear_cookies()

    # 3. Face ID alone: no identifier, no password, no code typed.
    codes_before = site.otp_mails()
    open_sign_in_ignoring_autofill(page, app_rp, authenticator)
    assert page.get_by_label(FR["login.identifier"]).input_value() == ""
    press_passkey_button(page, authenticator)
    tokens = land_on_app(page, app_rp)
    second = id_claims(tokens, site.url)
    assert second["amr"] == PASSKEY_AMR
    assert second["acr"] == ACR_PHISHING_RESISTANT
    assert second["sub"] == first["sub"]
    assert tokens.get("refresh_token")
    assert site.otp_mails() == codes_before, "a one-time code was sent for a Face ID sign-in"

    # 4. The account page (signed in by the SSO session of step 3): remove the device.
    page.goto(f"{site.url}/account/devices")
    expect(heading(page)).to_have_text(FR["devices.title"])
    devices = page.locator("section.device")
    expect(devices).to_have_count(1)
    devices.get_by_role("button", name=FR["devices.remove"]).click()
    expect(page.get_by_role("status")).to_have_text(FR["devices.done_removed_last"])
    expect(page.locator("section.device")).to_have_count(0)
    expect(page.get_by_text(FR["devices.none"])).to_be_visible()
    assert site.count(PasskeyCredential) == 0

    # The phone still holds the passkey, but idp no longer knows it: refused, and back to
    # identifier, password and code, after which the offer comes again.
    assert len(authenticator.credentials()) == 1
    page.context.clear_cookies()
    open_sign_in_ignoring_autofill(page, app_rp, authenticator)
    press_passkey_button(page, authenticator)
    expect(page.get_by_role("alert")).to_have_text(FR["passkey.failed"])
    expect(heading(page)).to_have_text(FR["login.title"])
    assert page.url.startswith(site.url)
    type_password(page)
    pass_code_step(page, site.url)
    expect(heading(page)).to_have_text(FR["passkey.offer_title"])
    authenticator.presence(True)  # the member touches the sensor to turn it on again
    page.get_by_role("button", name=FR["passkey.offer_accept"]).click()
    third = id_claims(land_on_app(page, app_rp), site.url)
    assert "pwd" in third["amr"] and third["sub"] == first["sub"]
    assert site.count(PasskeyCredential) == 1
    # A new passkey, which replaced the old one on the phone (same account: CTAP2 overwrites).
    renewed = authenticator.credentials()
    assert len(renewed) == 1 and renewed[0]["credentialId"] != held[0]["credentialId"]

    # 5. Throughout: nothing the Content Security Policy blocked, no script error.
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_member_picks_the_passkey_in_the_identifier_autofill(
    page: Page, site: Site, app_rp: RelyingParty, authenticator: VirtualAuthenticator
) -> None:
    """The conditional request the script starts at page load: under the emulation the
    authenticator answers it at once (the member picking the passkey from the autofill)."""
    open_sign_in(page, app_rp)
    turn_on_face_id(page, site, app_rp)
    page.context.clear_cookies()
    codes_before = site.otp_mails()
    page.goto(app_rp.authorize_url())
    found = id_claims(land_on_app(page, app_rp), site.url)
    assert found["amr"] == PASSKEY_AMR and found["acr"] == ACR_PHISHING_RESISTANT
    assert site.otp_mails() == codes_before
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_portal_shows_no_passkey_and_no_offer(
    page: Page, site: Site, authenticator: VirtualAuthenticator
) -> None:
    """The health portal (``webauthn: never``), on a phone that has Face ID: password and
    code, then straight back to the portal. Nothing listens on its callback: the test stops
    at the browser's request for it (Playwright does not intercept redirect targets)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    portal = RelyingParty(site.url, "health-portal")
    open_sign_in(page, portal)
    expect(page.locator("#passkey")).to_have_count(0)
    expect(passkey_button(page)).to_have_count(0)
    assert page.get_by_label(FR["login.identifier"]).get_attribute("autocomplete") == "username"
    type_password(page)
    with page.expect_request(f"{HEALTH_PORTAL_CALLBACK}?**", timeout=WAIT_MS) as back:
        pass_code_step(page, site.url)
    callback = back.value.url
    assert query(callback)["state"] == portal.state
    assert [url for url in requested if "passkey" in url] == [], "an offer or its script"
    assert id_claims(portal.fetch_token(callback), site.url)["acr"] == "urn:idp:acr:mfa"
    assert authenticator.credentials() == []
    assert page.csp_errors == []  # type: ignore[attr-defined]
