"""Face ID / fingerprint (passkeys) as the mobile app's members live it, over real HTTP with a
software authenticator (real ES256 signatures, ``none`` attestation): the offer after a full
sign-in, biometric sign-in without password or code, and every answer that must be refused."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import func, select, update

from idp.accounts.directory import ensure_demo_member
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, Member, OutboxMessage, PasskeyCredential
from idp.runtime import runtime
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    add_member,
    form_action,
    form_fields,
    jwt_claims,
    query,
    wait_for_mail,
)
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.passkeys import SoftAuthenticator, SoftAuthenticatorError, b64url

ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"
OFFER_TITLE = "Activez la connexion par Face ID / empreinte digitale"
PASSKEY_BUTTON = "Se connecter avec Face ID / empreinte"
FAILED = "Nous n&#39;avons pas pu vous reconnaître par Face ID / empreinte"
DEMO_EMAIL = "camille.martin@example.org"
OTHER_NUMBER = "100000077"
OTHER_PASSWORD = "Autre-Cheval-Correct-77"


@dataclass
class Site:
    served: LiveServer

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def app(self):
        return self.served.app

    def count(self, model: Any, **where: Any) -> int:
        wait_for_mail(self.app)  # notices reach the development outbox through the queue
        with self.app.app_context():
            found = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
            db.session.remove()
            return int(found or 0)

    def events(self, name: str) -> list[AuditEvent]:
        with self.app.app_context():
            rows = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
            db.session.remove()
            return rows

    def member(self, number: str = DEMO_NUMBER) -> Member:
        with self.app.app_context():
            found = db.session.scalars(select(Member).filter_by(member_number=number)).one()
            db.session.expunge(found)
            db.session.remove()
            return found


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The provider on ``localhost`` (browsers refuse passkeys on an IP address)."""
    port = free_port()
    app = build_app(make_settings(database_url, issuer=f"http://localhost:{port}"))
    runtime(app).clock = ShiftedClock()
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port, host="localhost") as served:
        yield Site(served)


def mobile(site: Site) -> RelyingParty:
    return RelyingParty(site.url, "mobile-app", scope="openid profile member offline_access")


def passkey_data(page: requests.Response) -> tuple[str, str]:
    """The options URL and CSRF token the page gives its script."""
    box = re.search(r'<div class="passkey" id="passkey"[^>]*>', page.text, re.S)
    assert box, "no passkey block on the page"
    url = re.search(r'data-options-url="([^"]+)"', box.group(0))
    csrf = re.search(r'data-csrf="([^"]+)"', box.group(0))
    assert url and csrf
    return urljoin(page.url, html.unescape(url.group(1))), html.unescape(csrf.group(1))


def fetch_options(browser: Browser, page: requests.Response) -> dict:
    url, csrf = passkey_data(page)
    response = browser.http.post(url, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def post_credential(browser: Browser, page: requests.Response, path: str, credential: dict):
    action = urljoin(page.url, form_action(page.text, path))
    csrf = form_fields(page.text)["csrf_token"]
    return browser.go(action, "POST", {"csrf_token": csrf, "credential": json.dumps(credential)})


def skip_offer(browser: Browser, offer: requests.Response, reason: str = "declined"):
    """The "Plus tard" form (``declined``), or what the script posts on a device that cannot
    (``unsupported``) or already has a passkey (``already_registered``)."""
    fields = form_fields(offer.text)
    action = urljoin(offer.url, form_action(offer.text, "/passkey/skip"))
    return browser.go(action, "POST", {"csrf_token": fields["csrf_token"], "reason": reason})


def to_offer(site: Site, browser: Browser, rp: RelyingParty, **extra: str) -> requests.Response:
    """A full sign-in (password, then the code) that ends on the offer."""
    page = browser.go(rp.authorize_url(**extra))
    assert isinstance(page, requests.Response) and page.status_code == 200
    offer = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(offer, requests.Response), f"went to {offer} without the offer"
    assert OFFER_TITLE in offer.text
    return offer


def enrol(site: Site, authenticator: SoftAuthenticator) -> tuple[Browser, str]:
    """Accept the offer in a fresh browser; returns the browser and the client callback."""
    browser, rp = Browser(site.url), mobile(site)
    offer = to_offer(site, browser, rp)
    created = authenticator.create(fetch_options(browser, offer))
    callback = post_credential(browser, offer, "/passkey/register", created)
    assert isinstance(callback, str), callback
    rp.fetch_token(callback)
    return browser, callback


def sign_in_page(browser: Browser, rp: RelyingParty, **extra: str) -> requests.Response:
    page = browser.go(rp.authorize_url(**extra))
    assert isinstance(page, requests.Response) and page.status_code == 200
    assert PASSKEY_BUTTON in page.text
    return page


def passkey_answer(
    browser: Browser, page: requests.Response, authenticator: SoftAuthenticator, **knobs: Any
):
    assertion = authenticator.get(fetch_options(browser, page), **knobs)
    return post_credential(browser, page, "/passkey", assertion), assertion


def otp_mails(site: Site) -> int:
    return site.count(OutboxMessage, purpose="otp")


# --- the offer ------------------------------------------------------------------------------


def test_offer_accepted_then_biometric_sign_in_alone(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    assert site.count(PasskeyCredential) == 1
    stored = site.events("passkey.registered")
    assert len(stored) == 1 and stored[0].client_id == "mobile-app"
    assert site.count(OutboxMessage, purpose="passkey_added", recipient=DEMO_EMAIL) == 1

    # Later, in a browser that holds nothing: Face ID alone, no password, no code.
    codes_before = otp_mails(site)
    later, rp = Browser(site.url), mobile(site)
    page = sign_in_page(later, rp)
    assert 'autocomplete="username webauthn"' in page.text
    callback, _ = passkey_answer(later, page, authenticator)
    assert isinstance(callback, str) and callback.startswith(rp.redirect_uri), callback
    tokens = rp.fetch_token(callback)
    _, claims = jwt_claims(tokens["id_token"], site.url)
    assert claims["amr"] == ["hwk", "mfa", "user"]
    assert claims["acr"] == ACR_PHISHING_RESISTANT
    assert claims["sub"] == site.member().subject
    assert "refresh_token" in tokens
    assert otp_mails(site) == codes_before
    assert len(site.events("passkey.used")) == 1
    with site.app.app_context():
        row = db.session.scalars(select(PasskeyCredential)).one()
        assert row.last_used_at is not None and row.backed_up is True
        db.session.remove()


def test_passkey_session_reaches_a_portal_that_demands_two_factors(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    later, rp = Browser(site.url), mobile(site)
    callback, _ = passkey_answer(later, sign_in_page(later, rp), authenticator)
    assert isinstance(callback, str)
    portal = RelyingParty(site.url, "health-portal")
    result = later.go(portal.authorize_url())
    assert isinstance(result, str), "a passkey sign-in counts as two factors: no code step"
    _, claims = jwt_claims(portal.fetch_token(result)["id_token"], site.url)
    assert claims["acr"] == ACR_PHISHING_RESISTANT


def test_portals_show_neither_the_button_nor_the_offer(site: Site) -> None:
    browser = Browser(site.url)
    portal = RelyingParty(site.url, "health-portal")
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    assert PASSKEY_BUTTON not in page.text and "passkey.js" not in page.text
    assert 'autocomplete="username"' in page.text
    result = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str), "no offer on a portal: straight back to it"


def test_declined_offer_waits_for_the_snooze_period(site: Site) -> None:
    browser, rp = Browser(site.url), mobile(site)
    offer = to_offer(site, browser, rp)
    assert "Nous vous le proposerons à nouveau dans 30 jours." in offer.text
    later = skip_offer(browser, offer)
    assert isinstance(later, str) and later.startswith(rp.redirect_uri)
    assert rp.fetch_token(later)["access_token"]
    assert [e.detail["reason"] for e in site.events("passkey.offer_skipped")] == ["declined"]

    again, rp2 = Browser(site.url), mobile(site)
    page = again.go(rp2.authorize_url())
    assert isinstance(page, requests.Response)
    result = again.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str), "declined less than 30 days ago: no offer"

    runtime(site.app).clock.advance(days=31)  # type: ignore[attr-defined]
    to_offer(site, Browser(site.url), mobile(site))


def test_no_offer_on_a_device_that_has_a_passkey(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    browser, _ = enrol(site, authenticator)
    rp = mobile(site)
    # Same browser, a full sign-in again (the code forced by acr_values): no second offer.
    page = browser.go(rp.authorize_url(prompt="login", acr_values="urn:idp:acr:mfa"))
    assert isinstance(page, requests.Response)
    result = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str), "this device has a passkey: no offer"


def test_existing_passkeys_are_excluded_and_the_device_is_then_remembered(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    credential_id = b64url(authenticator.keys[0].credential_id)
    browser, rp = Browser(site.url), mobile(site)
    offer = to_offer(site, browser, rp)
    options = fetch_options(browser, offer)
    assert [c["id"] for c in options["excludeCredentials"]] == [credential_id]
    assert options["authenticatorSelection"] == {
        "authenticatorAttachment": "platform",
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "required",
    }
    assert options["attestation"] == "none"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -257]
    with pytest.raises(SoftAuthenticatorError) as refused:
        authenticator.create(options)
    assert refused.value.name == "InvalidStateError"
    # The script then says so; the member goes on to the app.
    result = skip_offer(browser, offer, "already_registered")
    assert isinstance(result, str)
    assert site.count(PasskeyCredential) == 1
    assert site.member().passkey_offer_declined_at is None


def test_registration_without_user_verification_is_refused(site: Site) -> None:
    browser, rp = Browser(site.url), mobile(site)
    offer = to_offer(site, browser, rp)
    created = SoftAuthenticator(site.url).create(fetch_options(browser, offer), user_verified=False)
    page = post_credential(browser, offer, "/passkey/register", created)
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert "L&#39;activation n&#39;a pas abouti" in page.text
    assert site.count(PasskeyCredential) == 0
    # The member can still go on without it.
    assert isinstance(skip_offer(browser, page), str)


def test_registration_from_another_origin_is_refused(site: Site) -> None:
    browser, rp = Browser(site.url), mobile(site)
    offer = to_offer(site, browser, rp)
    created = SoftAuthenticator("https://phishing.example").create(
        fetch_options(browser, offer), origin="https://phishing.example"
    )
    page = post_credential(browser, offer, "/passkey/register", created)
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert site.count(PasskeyCredential) == 0


# --- answers that must be refused -----------------------------------------------------------


def refused(site: Site, result: Any) -> requests.Response:
    assert isinstance(result, requests.Response), f"signed in at {result}"
    assert result.status_code == 401, result.status_code
    assert FAILED in result.text or "La demande a expiré" in result.text
    assert 'name="password"' in result.text, "the password form is offered instead"
    return result


@pytest.mark.parametrize(
    "knobs",
    [
        {"tamper_signature": True},
        {"user_verified": False},
        {"rp_id": "evil.example"},
        {"origin": "https://evil.example"},
    ],
    ids=["bad-signature", "no-user-verification", "wrong-rp-id", "wrong-origin"],
)
def test_invalid_assertions_are_refused_and_count_toward_the_lock(
    site: Site, knobs: dict[str, Any]
) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    browser, rp = Browser(site.url), mobile(site)
    result, _ = passkey_answer(browser, sign_in_page(browser, rp), authenticator, **knobs)
    refused(site, result)
    failures = site.events("passkey.failed")
    assert len(failures) == 1 and failures[0].member_id == site.member().id
    failures_key = f"idp:failures:{site.member().id}"
    assert int(runtime(site.app).redis.get(failures_key) or 0) == 1


def test_stale_sign_count_is_refused(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url, counter_step=1)
    enrol(site, authenticator)
    browser = Browser(site.url)
    ok, _ = passkey_answer(browser, sign_in_page(browser, mobile(site)), authenticator)
    assert isinstance(ok, str)
    clone = Browser(site.url)  # a cloned authenticator reports a counter already seen
    result, _ = passkey_answer(
        clone, sign_in_page(clone, mobile(site)), authenticator, sign_count=1
    )
    refused(site, result)


def test_a_replayed_answer_is_refused(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    browser = Browser(site.url)
    page = sign_in_page(browser, mobile(site))
    ok, assertion = passkey_answer(browser, page, authenticator)
    assert isinstance(ok, str)
    attacker = Browser(site.url)
    target = sign_in_page(attacker, mobile(site))
    fetch_options(attacker, target)
    result = post_credential(attacker, target, "/passkey", assertion)
    refused(site, result)
    assert "La demande a expiré" in result.text
    assert site.events("passkey.failed")[-1].detail["reason"] == "challenge_unknown"


def test_a_challenge_never_issued_is_refused(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    browser = Browser(site.url)
    page = sign_in_page(browser, mobile(site))
    result, _ = passkey_answer(browser, page, authenticator, challenge=b64url(b"x" * 32))
    refused(site, result)


def test_a_credential_presented_as_another_member_is_refused(site: Site) -> None:
    """Member B's authenticator claims member A's user handle with B's credential."""
    with site.app.app_context():
        add_member(site.app, OTHER_NUMBER, OTHER_PASSWORD, email="other@example.org")
    mine = SoftAuthenticator(site.url)
    enrol(site, mine)
    theirs = SoftAuthenticator(site.url)
    browser, rp = Browser(site.url), mobile(site)
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response)
    offer = browser.submit_password(page, OTHER_NUMBER, OTHER_PASSWORD)
    assert isinstance(offer, requests.Response) and OFFER_TITLE in offer.text
    callback = post_credential(
        browser, offer, "/passkey/register", theirs.create(fetch_options(browser, offer))
    )
    assert isinstance(callback, str)
    demo_handle = mine.keys[0].user_handle
    intruder = Browser(site.url)
    result, _ = passkey_answer(
        intruder, sign_in_page(intruder, mobile(site)), theirs, user_handle=demo_handle
    )
    refused(site, result)
    assert site.events("passkey.failed")[-1].detail["reason"] == "user_handle_mismatch"


def test_an_unknown_credential_is_refused_without_counting(site: Site) -> None:
    stranger = SoftAuthenticator(site.url)
    browser = Browser(site.url)
    page = sign_in_page(browser, mobile(site))
    options = fetch_options(browser, page)
    # A passkey for our RP ID that idp never registered (say, removed from the account page).
    stranger.create({
        "rp": {"id": "localhost", "name": "x"}, "user": {"id": b64url(b"u" * 32), "name": "x"},
        "challenge": b64url(b"c" * 32), "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    })  # fmt: skip
    result = post_credential(browser, page, "/passkey", stranger.get(options))
    refused(site, result)
    assert site.events("passkey.failed")[-1].member_id is None


def test_a_locked_account_is_refused(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    with site.app.app_context():
        until = runtime(site.app).clock.now() + timedelta(hours=3)
        db.session.execute(update(Member).values(locked_until=until))
        db.session.commit()
        db.session.remove()
    browser = Browser(site.url)
    result, _ = passkey_answer(browser, sign_in_page(browser, mobile(site)), authenticator)
    assert isinstance(result, requests.Response) and result.status_code == 403
    assert "Votre compte est bloqué" in result.text


def test_repeated_failed_answers_lock_the_account(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    for _ in range(4):
        browser = Browser(site.url)
        page = sign_in_page(browser, mobile(site))
        refused(site, passkey_answer(browser, page, authenticator, tamper_signature=True)[0])
    browser = Browser(site.url)
    page = sign_in_page(browser, mobile(site))
    result, _ = passkey_answer(browser, page, authenticator, tamper_signature=True)
    assert isinstance(result, requests.Response) and result.status_code == 403
    assert "Votre compte est bloqué" in result.text
    assert site.member().locked_until is not None
    # Even a valid answer is refused now.
    browser = Browser(site.url)
    result, _ = passkey_answer(browser, sign_in_page(browser, mobile(site)), authenticator)
    assert isinstance(result, requests.Response) and result.status_code == 403


def test_an_inactive_account_is_refused(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    with site.app.app_context():
        db.session.execute(update(Member).values(activated_at=None))
        db.session.commit()
        db.session.remove()
    browser = Browser(site.url)
    refused(site, passkey_answer(browser, sign_in_page(browser, mobile(site)), authenticator)[0])


def test_script_requests_need_the_csrf_token(site: Site) -> None:
    browser = Browser(site.url)
    page = sign_in_page(browser, mobile(site))
    url, _ = passkey_data(page)
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = browser.http.post(url, headers=headers, timeout=10)
        assert response.status_code == 400
        assert "challenge" not in response.text and "text/html" in response.headers["Content-Type"]


def test_portal_sign_ins_have_no_passkey_endpoints(site: Site) -> None:
    browser = Browser(site.url)
    page = browser.go(RelyingParty(site.url, "health-portal").authorize_url())
    assert isinstance(page, requests.Response)
    interaction = re.search(r"/login/([\w-]+)/password", page.text)
    assert interaction
    csrf = form_fields(page.text)["csrf_token"]
    url = f"{site.url}/login/{interaction.group(1)}/passkey/options"
    response = browser.http.post(url, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert response.status_code in (400, 404) and "application/json" not in response.headers.get(
        "Content-Type", ""
    )


def test_passkeys_are_off_when_the_issuer_is_an_ip_address(server: LiveServer) -> None:
    browser = Browser(server.url)
    rp = RelyingParty(server.url, "mobile-app")
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response)
    assert PASSKEY_BUTTON not in page.text
    result = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str) and query(result).get("code")


def test_removing_the_device_here_brings_the_offer_back(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    browser, _ = enrol(site, authenticator)
    devices = browser.go(f"{site.url}/account/devices")
    assert isinstance(devices, requests.Response) and devices.status_code == 200
    removed = browser.go(
        urljoin(devices.url, form_action(devices.text, "/remove")),
        "POST",
        {"csrf_token": form_fields(devices.text)["csrf_token"]},
    )
    assert isinstance(removed, requests.Response) and removed.status_code == 200
    assert site.count(PasskeyCredential) == 0
    # The next full sign-in on this device offers Face ID / fingerprint again.
    to_offer(site, browser, mobile(site), prompt="login", acr_values="urn:idp:acr:mfa")
    # And the removed passkey no longer signs in.
    later = Browser(site.url)
    refused(site, passkey_answer(later, sign_in_page(later, mobile(site)), authenticator)[0])


def test_pages_speak_english_when_asked(site: Site) -> None:
    browser, rp = Browser(site.url), mobile(site)
    page = browser.go(rp.authorize_url(ui_locales="en"))
    assert isinstance(page, requests.Response)
    assert "Sign in with Face ID / fingerprint" in page.text
    assert 'data-msg-cancelled="Sign-in with Face ID / fingerprint was cancelled' in page.text
    offer = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(offer, requests.Response)
    assert "Turn on sign-in with Face ID / fingerprint" in offer.text
    assert "Not now" in offer.text and "We will offer it again in 30 days." in offer.text


def test_removing_a_lost_phones_passkey_ends_what_it_opened(site: Site) -> None:
    authenticator = SoftAuthenticator(site.url)
    computer, _ = enrol(site, authenticator)
    # The phone signs in with Face ID: an SSO session and the app's offline refresh token.
    phone, rp = Browser(site.url), mobile(site)
    callback, _ = passkey_answer(phone, sign_in_page(phone, rp), authenticator)
    assert isinstance(callback, str)
    tokens = rp.fetch_token(callback)
    working = rp.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert working.status_code == 200

    # The phone is lost: the member removes its passkey from the computer.
    devices = computer.go(f"{site.url}/account/devices")
    assert isinstance(devices, requests.Response) and devices.status_code == 200
    removed = computer.go(
        urljoin(devices.url, form_action(devices.text, "/remove")),
        "POST",
        {"csrf_token": form_fields(devices.text)["csrf_token"]},
    )
    assert isinstance(removed, requests.Response) and removed.status_code == 200

    # Whoever holds the phone is signed out, and the app's refresh tokens no longer work.
    again = phone.go(rp.authorize_url(prompt="none"))
    assert isinstance(again, str) and query(again)["error"] == "login_required"
    answer = rp.token_request(grant_type="refresh_token",
                              refresh_token=working.json()["refresh_token"])  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    [logout] = site.events("logout")
    assert logout.detail["reason"] == "passkey_removed" and logout.detail["token_families"] == 1
    # The computer's own session (opened with the password and the code) stays.
    account = computer.go(f"{site.url}/account")
    assert isinstance(account, requests.Response) and account.status_code == 200


# --- after a reset by e-mail ----------------------------------------------------------------


def test_after_a_reset_the_passkey_is_the_factor_that_is_not_the_mailbox(site: Site) -> None:
    """A member with a passkey and no mobile number resets the password by e-mail: a portal
    that demands two factors refuses the e-mailed code and points to the passkey; the app
    offers it; one passkey sign-in clears the flag, and the e-mailed code is a second factor
    again (docs/security.md, "Second factor that is really second")."""
    from tests.logout.test_reauthentication import reset_password

    new_password = "Tournesol-Bleu-2024"
    authenticator = SoftAuthenticator(site.url)
    enrol(site, authenticator)
    with site.app.app_context():
        db.session.execute(update(Member).values(phone=None))
        db.session.commit()
    reset_password(site.served, new_password)
    assert site.member().needs_strong_factor

    portal = RelyingParty(site.url, "health-portal")  # second_factor: always
    browser = Browser(site.url)
    refused = browser.submit_password(sign_in_page_of(browser, portal), DEMO_NUMBER, new_password)
    assert isinstance(refused, requests.Response) and refused.status_code == 403
    body = html.unescape(refused.text)
    assert "Une vérification renforcée est nécessaire" in body
    assert "connectez-vous une fois ainsi dans l'application mobile" in body

    phone, app = Browser(site.url), mobile(site)
    callback, _ = passkey_answer(phone, sign_in_page(phone, app), authenticator)
    assert isinstance(callback, str), callback
    _, claims = jwt_claims(app.fetch_token(callback)["id_token"], site.url)
    assert claims["acr"] == ACR_PHISHING_RESISTANT
    assert not site.member().needs_strong_factor

    again = Browser(site.url)
    callback = again.submit_password(sign_in_page_of(again, portal), DEMO_NUMBER, new_password)
    assert isinstance(callback, str) and callback.startswith(portal.redirect_uri), callback
    _, claims = jwt_claims(portal.fetch_token(callback)["id_token"], site.url)
    assert claims["amr"] == ["email", "mfa", "otp", "pwd"]
    assert claims["acr"] == "urn:idp:acr:mfa"


def sign_in_page_of(browser: Browser, rp: RelyingParty) -> requests.Response:
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response) and page.status_code == 200, page
    return page
