"""RP-initiated logout (OIDC RP-Initiated Logout 1.0) as the member's browser and the relying
parties live it: who is signed out, where the browser goes, what the tokens still do."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent
from tests.actors import Browser, RelyingParty, query, sign_in_tokens
from tests.selfservice.pages import submit

PORTAL_HOME = "http://127.0.0.1:5001/"
PROVIDENT_HOME = "http://127.0.0.1:5002/"


def logout_url(rp: RelyingParty, **params: str) -> str:
    return f"{rp.metadata['end_session_endpoint']}?{urlencode(params)}"


def text_of(page: requests.Response) -> str:
    return html.unescape(page.text)


def is_password_page(result: str | requests.Response) -> bool:
    return (
        isinstance(result, requests.Response) and 'autocomplete="current-password"' in result.text
    )


def signed_in(browser: Browser, rp: RelyingParty) -> bool:
    """Whether the browser's SSO session still answers an authorization request at once."""
    result = browser.go(rp.authorize_url())
    if isinstance(result, str):
        assert "code" in query(result), result
        return True
    assert is_password_page(result), result.text
    return False


def refresh(rp: RelyingParty, token: str) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=token)


def audit_events(app, name: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
        return found


@pytest.fixture
def provident(server) -> RelyingParty:
    return RelyingParty(server.url, "provident-portal")


@pytest.fixture
def mobile(server) -> RelyingParty:
    return RelyingParty(server.url, "mobile-app", scope="openid profile email offline_access")


# -- discovery ---------------------------------------------------------------------------------


def test_discovery_publishes_the_logout_capabilities(server):
    meta = server.discovery()
    assert meta["end_session_endpoint"] == f"{server.url}/logout"
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True
    assert meta["frontchannel_logout_supported"] is False
    for method in ("GET", "POST"):
        response = requests.request(method, meta["end_session_endpoint"], timeout=5)
        assert response.status_code == 200, method  # no session: the signed-out page


# -- a hint naming this browser's session: signed out at once --------------------------------


def test_valid_hint_signs_out_and_returns_with_state_only(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    old_cookie = browser.http.cookies["idp_session"]

    target = browser.go(
        logout_url(
            portal,
            id_token_hint=tokens["id_token"],
            post_logout_redirect_uri=PORTAL_HOME,
            state="af0ifjsldkj",
            ui_locales="fr",
        )
    )

    assert target == f"{PORTAL_HOME}?state=af0ifjsldkj"  # the hint never travels on
    assert browser.last is not None and browser.last.status_code == 303
    assert browser.last.headers["Referrer-Policy"] == "no-referrer"
    assert "idp_session" not in browser.http.cookies
    # The old session id is dead on the provider's side, not only forgotten by the browser.
    browser.http.cookies.set("idp_session", old_cookie)
    assert not signed_in(browser, portal)
    [event] = audit_events(server.app, "logout")
    assert event.client_id == "health-portal" and event.detail["scope"] == "session"


def test_valid_hint_without_redirect_shows_the_signed_out_page(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    page = browser.go(logout_url(portal, id_token_hint=tokens["id_token"]))
    assert isinstance(page, requests.Response) and page.status_code == 200
    assert "Vous êtes déconnecté" in text_of(page)
    assert "idp_session" not in browser.http.cookies
    assert not signed_in(browser, portal)


def test_rp_may_post_the_logout_request(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    data = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": PORTAL_HOME}
    target = browser.go(portal.metadata["end_session_endpoint"], "POST", data)
    assert target == PORTAL_HOME
    assert not signed_in(browser, portal)


def test_logout_ends_the_session_for_every_portal(server, browser, portal, provident):
    tokens = sign_in_tokens(browser, portal)
    sign_in_tokens(browser, provident)  # single sign-on: no password asked
    browser.go(logout_url(portal, id_token_hint=tokens["id_token"]))
    assert not signed_in(browser, provident)


def test_portal_refresh_token_dies_but_the_apps_offline_token_lives(
    server, browser, portal, mobile
):
    web = sign_in_tokens(browser, portal)
    app = sign_in_tokens(browser, mobile)  # same browser session, offline_access
    assert "offline_access" in app["scope"].split()

    target = browser.go(
        logout_url(portal, id_token_hint=web["id_token"], post_logout_redirect_uri=PORTAL_HOME)
    )
    assert target == PORTAL_HOME

    refused = refresh(portal, web["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert portal.userinfo(web["access_token"]).status_code == 401
    kept = refresh(mobile, app["refresh_token"])
    assert kept.status_code == 200, kept.text
    assert mobile.userinfo(kept.json()["access_token"]).status_code == 200


# -- requests that break a rule: a page, nobody signed out, nothing redirected ---------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:5001/elsewhere",
        "http://127.0.0.1:5001/?next=x",  # not exactly the registered one
        "http://127.0.0.1:5001",
        PROVIDENT_HOME,  # another client's
    ],
)
def test_unregistered_post_logout_redirect_uri_is_refused(server, browser, portal, uri):
    tokens = sign_in_tokens(browser, portal)
    page = browser.go(
        logout_url(portal, id_token_hint=tokens["id_token"], post_logout_redirect_uri=uri)
    )
    assert isinstance(page, requests.Response), f"redirected to {page}"
    assert page.status_code == 400
    assert "Déconnexion impossible" in text_of(page)
    assert "L'adresse de retour demandée n'est pas autorisée" in text_of(page)
    assert "Location" not in page.headers
    assert signed_in(browser, portal)


def test_error_page_in_english_with_ui_locales(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    page = browser.go(
        logout_url(
            portal,
            id_token_hint=tokens["id_token"],
            post_logout_redirect_uri="https://evil.example/",
            ui_locales="en",
        )
    )
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert "The return address requested is not allowed" in text_of(page)
    assert signed_in(browser, portal)


def test_redirect_uri_needs_a_client(server, browser, portal):
    sign_in_tokens(browser, portal)
    page = browser.go(logout_url(portal, post_logout_redirect_uri=PORTAL_HOME, state="s"))
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert "ne précise pas vers quel service" in text_of(page)
    assert signed_in(browser, portal)


def test_client_id_must_be_the_hints_audience(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)  # an ID token for health-portal
    page = browser.go(
        logout_url(
            portal,
            id_token_hint=tokens["id_token"],
            client_id="provident-portal",
            post_logout_redirect_uri=PROVIDENT_HOME,
        )
    )
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert "ne correspond pas au service" in text_of(page)
    assert signed_in(browser, portal)
    [event] = audit_events(server.app, "logout.rejected")
    assert event.client_id == "provident-portal"


def test_unknown_client_and_repeated_parameters_are_refused(server, browser, portal):
    sign_in_tokens(browser, portal)
    page = browser.go(logout_url(portal, client_id="nobody", post_logout_redirect_uri=PORTAL_HOME))
    assert isinstance(page, requests.Response) and page.status_code == 400
    repeated = f"{portal.metadata['end_session_endpoint']}?client_id=health-portal&client_id=x"
    page = browser.go(repeated)
    assert isinstance(page, requests.Response) and page.status_code == 400
    assert signed_in(browser, portal)


# -- no hint, or not this browser's session: the member confirms -----------------------------


def confirm_page(browser: Browser, url: str) -> requests.Response:
    page = browser.go(url)
    assert isinstance(page, requests.Response), f"redirected to {page}"
    assert page.status_code == 200
    assert "Voulez-vous vous déconnecter de votre espace ?" in text_of(page)
    assert 'name="csrf_token"' in page.text
    return page


def test_without_hint_the_member_confirms(server, browser, portal):
    sign_in_tokens(browser, portal)
    page = confirm_page(
        browser,
        logout_url(
            portal, client_id="health-portal", post_logout_redirect_uri=PORTAL_HOME, state="s1"
        ),
    )
    assert "« Espace santé » demande à vous déconnecter" in text_of(page)
    assert 'href="/account"' in page.text  # "Non, rester connecté"
    assert signed_in(browser, portal)  # the page alone ends nothing

    target = submit(browser, page, "/logout/confirm")
    assert target == f"{PORTAL_HOME}?state=s1"
    assert "idp_session" not in browser.http.cookies
    assert not signed_in(browser, portal)


def test_confirmation_without_csrf_token_is_refused(server, browser, portal):
    sign_in_tokens(browser, portal)
    page = confirm_page(browser, logout_url(portal, client_id="health-portal"))
    fields = {"logout_request": query_value(page, "logout_request")}
    refused = browser.go(f"{server.url}/logout/confirm", "POST", fields)
    assert isinstance(refused, requests.Response) and refused.status_code == 400
    assert signed_in(browser, portal)
    forged = browser.go(f"{server.url}/logout/confirm", "POST", {**fields, "csrf_token": "x"})
    assert isinstance(forged, requests.Response) and forged.status_code == 400
    assert signed_in(browser, portal)


def query_value(page: requests.Response, name: str) -> str:
    from tests.actors import form_fields

    return form_fields(page.text)[name]


def test_foreign_hint_asks_for_confirmation(server, browser, portal):
    other = Browser(server.url)
    foreign = sign_in_tokens(other, RelyingParty(server.url, "health-portal"))
    sign_in_tokens(browser, portal)

    page = confirm_page(
        browser,
        logout_url(portal, id_token_hint=foreign["id_token"], post_logout_redirect_uri=PORTAL_HOME),
    )
    assert signed_in(browser, portal) and signed_in(other, portal)

    assert submit(browser, page, "/logout/confirm") == PORTAL_HOME
    assert not signed_in(browser, portal)
    assert signed_in(other, portal)  # the hint's own session was never the target


@pytest.mark.parametrize("hint", ["not-a-jwt", "access_token"])
def test_unverifiable_hint_counts_as_absent(server, browser, portal, hint):
    tokens = sign_in_tokens(browser, portal)
    value = tokens.get(hint, hint)
    page = confirm_page(browser, logout_url(portal, id_token_hint=value, client_id="health-portal"))
    assert signed_in(browser, portal)
    assert isinstance(submit(browser, page, "/logout/confirm"), requests.Response)
    assert not signed_in(browser, portal)


def test_confirmation_belongs_to_the_browser_that_got_it(server, browser, portal):
    """A confirmation page's form posted from another browser does not redirect it."""
    sign_in_tokens(browser, portal)
    page = confirm_page(
        browser, logout_url(portal, client_id="health-portal", post_logout_redirect_uri=PORTAL_HOME)
    )
    other = Browser(server.url)
    sign_in_tokens(other, portal)
    other_page = confirm_page(other, logout_url(portal))
    data = {
        "csrf_token": query_value(other_page, "csrf_token"),
        "logout_request": query_value(page, "logout_request"),
    }
    answer = other.go(f"{server.url}/logout/confirm", "POST", data)
    assert isinstance(answer, requests.Response) and "Vous êtes déconnecté" in text_of(answer)
    assert signed_in(browser, portal)


# -- no session at all -------------------------------------------------------------------------


def test_without_session_the_browser_just_returns(server, browser, portal):
    other = Browser(server.url)
    tokens = sign_in_tokens(other, portal)
    target = browser.go(
        logout_url(
            portal,
            id_token_hint=tokens["id_token"],
            post_logout_redirect_uri=PORTAL_HOME,
            state="z",
        )
    )
    assert target == f"{PORTAL_HOME}?state=z"
    assert signed_in(other, portal)  # a hint alone signs nobody out
