"""The account page's sessions: where the member is signed in, "this device" marked, signing
out one device or everywhere (the mobile app's offline access included)."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.config import LogoutSettings, SessionSettings
from idp.db import db
from idp.kv import key
from idp.logout import queue
from idp.models import AuditEvent
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty, jwt_claims, query, redis_of, sign_in_tokens
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.selfservice.pages import open_page, submit

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser_as(server, user_agent: str) -> Browser:
    browser = Browser(server.url)
    browser.http.headers["User-Agent"] = user_agent
    return browser


def sessions_page(browser: Browser, server) -> requests.Response:
    page = open_page(browser, f"{server.url}/account/sessions")
    assert page.status_code == 200, page.text
    return page


def sections(page: requests.Response) -> list[str]:
    """Each listed session's part of the page, as the member reads it."""
    parts = re.findall(r'<section class="session".*?</section>', page.text, re.S)
    return [html.unescape(p) for p in parts]


def section_with(page: requests.Response, text: str) -> str:
    [found] = [s for s in sections(page) if text in s]
    return found


def sign_out_form(section: str) -> str:
    match = re.search(r'action="([^"]+/sign-out)"', section)
    assert match, section
    return match.group(1)


def signed_in(browser: Browser, rp: RelyingParty) -> bool:
    result = browser.go(rp.authorize_url())
    if isinstance(result, str):
        assert "code" in query(result), result
        return True
    assert 'autocomplete="current-password"' in result.text, result.text
    return False


@pytest.fixture
def server(database_url) -> Iterator[LiveServer]:
    """The provider with the demo member, its logout tokens kept queued (no delivery
    threads) so the tests can see whom they are for."""
    port = free_port()
    settings = make_settings(
        database_url,
        issuer=f"http://127.0.0.1:{port}",
        logout=LogoutSettings(backchannel_workers=0),
    )
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


@pytest.fixture
def firefox(server) -> Browser:
    return browser_as(server, FIREFOX_WINDOWS)


@pytest.fixture
def iphone(server) -> Browser:
    return browser_as(server, SAFARI_IPHONE)


@pytest.fixture
def mobile(server) -> RelyingParty:
    return RelyingParty(server.url, "mobile-app", scope="openid profile email offline_access")


def test_lists_each_session_and_marks_this_device(server, portal, firefox, iphone):
    sign_in_tokens(firefox, portal)
    sign_in_tokens(iphone, portal)

    page = sessions_page(firefox, server)
    assert len(sections(page)) == 2
    here = section_with(page, "Windows — Firefox")
    assert "(cet appareil)" in here
    assert "Espace santé" in here and "127.0.0.1" in here
    assert re.search(r"Connecté depuis le \d\d/\d\d/\d{4} à \d\d:\d\d", here)
    assert "(cet appareil)" not in section_with(page, "iPhone — Safari")

    page = sessions_page(iphone, server)
    assert "(cet appareil)" in section_with(page, "iPhone — Safari")
    assert "(cet appareil)" not in section_with(page, "Windows — Firefox")
    assert iphone.http.cookies["idp_session"] not in page.text  # never the session id


def test_english_page(server, portal, firefox):
    sign_in_tokens(firefox, portal)
    page = open_page(firefox, f"{server.url}/account/sessions?lang=en")
    assert "(this device)" in section_with(page, "Windows — Firefox")


def test_sign_out_this_device(server, portal, firefox, iphone):
    sign_in_tokens(firefox, portal)
    sign_in_tokens(iphone, portal)
    page = sessions_page(firefox, server)

    answer = submit(firefox, page, sign_out_form(section_with(page, "Windows — Firefox")))
    assert isinstance(answer, requests.Response) and answer.status_code == 200
    assert "Vous êtes déconnecté" in html.unescape(answer.text)
    assert "idp_session" not in firefox.http.cookies
    assert not signed_in(firefox, portal)
    assert signed_in(iphone, portal)


def test_sign_out_another_device(server, portal, firefox, iphone):
    tokens = sign_in_tokens(iphone, portal)
    sign_in_tokens(firefox, portal)
    page = sessions_page(firefox, server)

    answer = submit(firefox, page, sign_out_form(section_with(page, "iPhone — Safari")))
    assert isinstance(answer, requests.Response)
    assert "L'appareil a été déconnecté." in html.unescape(answer.text)
    assert [s for s in sections(answer) if "Safari" in s] == []
    assert not signed_in(iphone, portal)
    assert signed_in(firefox, portal)
    refused = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refused.json()["error"] == "invalid_grant"


def test_sign_out_everywhere(server, portal, mobile, firefox, iphone):
    web = sign_in_tokens(firefox, portal)
    sign_in_tokens(iphone, portal)
    app = sign_in_tokens(iphone, mobile)  # the app's offline access, from the phone
    page = sessions_page(firefox, server)

    answer = submit(firefox, page, "/account/sessions/sign-out-everywhere")
    assert isinstance(answer, requests.Response) and answer.status_code == 200
    assert "sur tous vos appareils" in html.unescape(answer.text)
    assert "idp_session" not in firefox.http.cookies

    assert not signed_in(firefox, portal)
    assert not signed_in(iphone, portal)
    for rp, tokens in ((portal, web), (mobile, app)):
        refused = rp.token_request(
            grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    with server.app.app_context():
        jobs = queue.pending()
        [event] = db.session.scalars(select(AuditEvent).filter_by(event="logout")).all()
        db.session.remove()
    # The health portal is told about both sessions (the app has no back-channel URI).
    assert sorted((j.client_id, bool(j.sid)) for j in jobs) == [("health-portal", True)] * 2
    assert event.detail["scope"] == "everywhere" and event.detail["sessions"] == 2


def test_everywhere_reaches_clients_holding_tokens_of_ended_sessions(server, portal, firefox):
    health = sign_in_tokens(firefox, portal)
    sid = firefox.http.cookies["idp_session"]
    redis_of(server.app).delete(key("session", sid))  # that session expired meanwhile
    sign_in_tokens(browser_as(server, SAFARI_IPHONE), RelyingParty(server.url, "mobile-app"))
    other = browser_as(server, FIREFOX_WINDOWS)
    sign_in_tokens(other, RelyingParty(server.url, "provident-portal"))

    submit(other, sessions_page(other, server), "/account/sessions/sign-out-everywhere")

    with server.app.app_context():
        jobs = {j.client_id: j.sid for j in queue.pending()}
    # provident-portal for the live session; health-portal, whose session is over but which
    # still held a refresh token, with the sid its tokens were issued under (and the sub).
    assert sorted(jobs) == ["health-portal", "provident-portal"]
    assert jobs["health-portal"] == jwt_claims(health["id_token"], server.url)[1]["sid"]


def test_forms_need_the_csrf_token(server, portal, firefox, iphone):
    sign_in_tokens(firefox, portal)
    sign_in_tokens(iphone, portal)
    page = sessions_page(firefox, server)
    target = sign_out_form(section_with(page, "iPhone — Safari"))
    for url in (target, "/account/sessions/sign-out-everywhere"):
        refused = firefox.go(f"{server.url}{url}", "POST", {})
        assert isinstance(refused, requests.Response) and refused.status_code == 400
    assert signed_in(firefox, portal) and signed_in(iphone, portal)


def test_signed_out_visitor_sees_no_sessions(server):
    page = Browser(server.url).go(f"{server.url}/account/sessions")
    assert isinstance(page, requests.Response) and page.status_code == 401


@pytest.fixture
def short_sessions(database_url) -> Iterator[LiveServer]:
    """Sessions ending after 3 s unused or 6 s after the sign-in (30 min and 12 h in use)."""
    port = free_port()
    settings = make_settings(
        database_url,
        issuer=f"http://127.0.0.1:{port}",
        session=SessionSettings(idle_ttl=3, absolute_ttl=6),
        logout=LogoutSettings(backchannel_workers=0),
    )
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


def test_a_session_ends_after_its_idle_time_and_its_absolute_lifetime(short_sessions):
    """ASVS 5.0 7.3.1, 7.3.2: the unused session ends after the idle time; the used one at
    its absolute end, however recently it was used."""
    portal = RelyingParty(short_sessions.url, "health-portal")
    unused, used = (
        browser_as(short_sessions, FIREFOX_WINDOWS),
        browser_as(short_sessions, SAFARI_IPHONE),
    )
    sign_in_tokens(unused, portal)
    sign_in_tokens(used, portal)
    start = time.monotonic()

    def account(browser: Browser) -> int:
        return browser.http.get(f"{short_sessions.url}/account", timeout=10).status_code

    for step in (1.5, 3.0, 4.5):
        time.sleep(max(0.0, start + step - time.monotonic()))
        assert account(used) == 200  # each use restarts the idle timer
    assert account(unused) == 401  # 4.5 s without use
    time.sleep(max(0.0, start + 6.5 - time.monotonic()))
    assert account(used) == 401  # used 2 s ago, but 6 s after its sign-in
