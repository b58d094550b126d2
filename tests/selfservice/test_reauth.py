"""Confirming one's identity on the account pages (ASVS 5.0 7.5.1, 7.5.2): removing a passkey
and ending sessions ask for the password again when the sign-in is older than
``IDP_REAUTH_MAX_AGE`` (5 minutes), then carry the action out; a wrong password counts toward
the lock as at sign-in. Viewing the sessions, and signing this browser out, stay free."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from tests.actors import DEMO_PASSWORD, Browser, RelyingParty, form_fields
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.selfservice.pages import open_page, submit
from tests.selfservice.test_devices import add_device, device_names, events, main_text
from tests.selfservice.test_sessions import (
    FIREFOX_WINDOWS,
    SAFARI_IPHONE,
    section_with,
    sections,
    sign_out_form,
)

CONFIRM_TITLE = "Confirmez votre identité"


def signed_in(site, user_agent: str = FIREFOX_WINDOWS) -> Browser:
    browser = Browser(site.url)
    browser.http.headers["User-Agent"] = user_agent
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    return browser


def later(site, minutes: float = 6) -> None:
    """Time passes: the sign-in is no longer recent (sessions live 30 minutes idle)."""
    runtime(site.app).clock.advance(minutes=minutes)


def remove_first_device(browser: Browser, site) -> requests.Response:
    page = open_page(browser, f"{site.url}/account/devices")
    answer = submit(browser, page, "/remove")
    assert isinstance(answer, requests.Response)
    return answer


def confirm(browser: Browser, page: requests.Response, password: str) -> requests.Response:
    assert CONFIRM_TITLE in html.unescape(page.text), page.text
    answer = submit(browser, page, "/account/confirm", password=password)
    assert isinstance(answer, requests.Response)
    return answer


def account_reachable(browser: Browser, site) -> bool:
    return browser.http.get(f"{site.url}/account", timeout=10).status_code == 200


def test_a_stale_session_confirms_the_password_then_the_passkey_is_removed(site):
    add_device(site.app, "iPhone de Camille")
    browser = signed_in(site)
    later(site)

    asked = remove_first_device(browser, site)
    assert asked.status_code == 200
    assert "saisissez à nouveau votre mot de passe" in main_text(asked)
    assert device_names(site.app) == ["iPhone de Camille"]  # nothing done yet

    done = confirm(browser, asked, DEMO_PASSWORD)
    assert done.status_code == 200 and done.url.endswith("/account/devices?done=removed_last")
    assert device_names(site.app) == []
    assert [e.detail["action"] for e in events(site.app, "reauth.confirmed")] == [
        "selfservice.remove_device_submit"
    ]
    # Confirmed just now: the next change goes straight through, until it is stale again.
    add_device(site.app, "Pixel 8")
    assert remove_first_device(browser, site).url.endswith("?done=removed_last")
    add_device(site.app, "Pixel 9")
    later(site)
    assert CONFIRM_TITLE in html.unescape(remove_first_device(browser, site).text)


def test_a_fresh_session_removes_a_passkey_without_confirming(site):
    add_device(site.app, "iPhone de Camille")
    done = remove_first_device(signed_in(site), site)
    assert CONFIRM_TITLE not in html.unescape(done.text)
    assert done.url.endswith("/account/devices?done=removed_last")
    assert device_names(site.app) == [] and not events(site.app, "reauth.confirmed")


def test_a_stale_session_confirms_then_the_other_device_is_signed_out(site):
    phone = signed_in(site, SAFARI_IPHONE)
    computer = signed_in(site)
    later(site)

    page = open_page(computer, f"{site.url}/account/sessions")  # viewing is free
    assert page.status_code == 200 and len(sections(page)) == 2
    assert CONFIRM_TITLE not in html.unescape(page.text)
    asked = submit(computer, page, sign_out_form(section_with(page, "iPhone — Safari")))
    assert isinstance(asked, requests.Response) and asked.status_code == 200
    assert account_reachable(phone, site)

    done = confirm(computer, asked, DEMO_PASSWORD)
    assert done.url.endswith("/account/sessions?done=signed_out")
    assert not account_reachable(phone, site)
    assert account_reachable(computer, site)


def test_a_stale_session_confirms_then_every_session_ends(site):
    phone = signed_in(site, SAFARI_IPHONE)
    computer = signed_in(site)
    later(site)

    page = open_page(computer, f"{site.url}/account/sessions")
    asked = submit(computer, page, "/account/sessions/sign-out-everywhere")
    assert isinstance(asked, requests.Response) and asked.status_code == 200
    assert account_reachable(phone, site) and account_reachable(computer, site)

    done = confirm(computer, asked, DEMO_PASSWORD)
    assert done.status_code == 200 and "Vous êtes déconnecté" in html.unescape(done.text)
    assert not account_reachable(phone, site) and not account_reachable(computer, site)


def test_signing_this_browser_out_never_asks(site):
    computer = signed_in(site)
    later(site)
    page = open_page(computer, f"{site.url}/account/sessions")
    answer = submit(computer, page, sign_out_form(section_with(page, "Windows — Firefox")))
    assert isinstance(answer, requests.Response)
    assert "Vous êtes déconnecté" in html.unescape(answer.text)
    assert not account_reachable(computer, site)


def test_a_wrong_password_is_refused_counted_and_locks_like_the_sign_in(site):
    add_device(site.app, "iPhone de Camille")
    browser = signed_in(site)
    later(site)
    page = remove_first_device(browser, site)

    for _ in range(3):
        page = confirm(browser, page, "Pas-Le-Bon-2024")
        assert page.status_code == 400
        assert "Le mot de passe est incorrect." in main_text(page)
        assert "encore un échec" not in main_text(page)
    page = confirm(browser, page, "Pas-Le-Bon-2024")
    assert page.status_code == 400 and "encore un échec" in main_text(page)
    counted = events(site.app, "login.failure_counted")
    assert [e.detail["step"] for e in counted] == ["account_reauth"] * 4
    assert len(events(site.app, "reauth.failed")) == 4

    locked = confirm(browser, page, "Pas-Le-Bon-2024")
    assert locked.status_code == 403 and "bloqué" in main_text(locked)
    assert device_names(site.app) == ["iPhone de Camille"]  # never removed
    assert not account_reachable(browser, site)  # this browser's own lock signs it out


def test_the_confirmation_needs_the_csrf_token(site):
    add_device(site.app, "iPhone de Camille")
    browser = signed_in(site)
    later(site)
    asked = remove_first_device(browser, site)
    fields = form_fields(asked.text)
    assert fields["csrf_token"] and fields["action"].endswith("/remove")

    for token in (None, "forged"):
        data = {"action": fields["action"], "password": DEMO_PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        refused = browser.http.post(f"{site.url}/account/confirm", data=data, timeout=10)
        assert refused.status_code == 400
    assert device_names(site.app) == ["iPhone de Camille"]
    assert not events(site.app, "reauth.confirmed")
    assert not events(site.app, "login.failure_counted")


def test_only_the_sensitive_actions_can_be_confirmed(site):
    browser = signed_in(site)
    later(site)
    page = open_page(browser, f"{site.url}/account/sessions")
    token = form_fields(page.text)["csrf_token"]
    for action in ("/account/password", "/account/devices", "//evil.example/account/x",
                   "https://evil.example/account/sessions/sign-out-everywhere", ""):  # fmt: skip
        refused = browser.http.post(
            f"{site.url}/account/confirm",
            data={"csrf_token": token, "action": action, "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert refused.status_code == 400
        assert "Cette action n'existe pas" in html.unescape(refused.text)
    assert not events(site.app, "reauth.confirmed")
    assert not events(site.app, "login.failure_counted")  # no password checked


def test_the_confirmation_page_in_english(site):
    add_device(site.app, "iPhone de Camille")
    browser = signed_in(site)
    later(site)
    browser.http.headers["Accept-Language"] = "en"
    asked = remove_first_device(browser, site)
    assert "Confirm it is you" in asked.text and "type your password again" in asked.text


@pytest.fixture
def always_ask(database_url) -> Iterator[LiveServer]:
    """``IDP_REAUTH_MAX_AGE=0``: every sensitive change asks, even right after the sign-in."""
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(replace(base, session=replace(base.session, reauth_max_age=0)))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


def test_with_no_allowed_age_every_change_asks_and_the_confirmation_still_acts(always_ask):
    add_device(always_ask.app, "iPhone de Camille")
    browser = signed_in(always_ask)
    asked = remove_first_device(browser, always_ask)
    assert CONFIRM_TITLE in html.unescape(asked.text)  # a fresh sign-in is not enough
    done = confirm(browser, asked, DEMO_PASSWORD)
    assert done.url.endswith("/account/devices?done=removed_last")
    assert device_names(always_ask.app) == []
