"""The authorization endpoint as a relying party and a member's browser live it
(RFC 6749 §4.1, OIDC Core §3.1.2, RFC 7636, RFC 9207, RFC 8252 §7.3)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    add_member,
    code_from,
    form_action,
    form_fields,
    jwt_claims,
    query,
    raw_authorize_url,
    redis_of,
    sign_in_tokens,
)

OTHER_NUMBER = "100000002"
OTHER_PASSWORD = "Autre-Mot-De-Passe-77"


def _page(result) -> requests.Response:
    assert not isinstance(result, str), f"expected a page, was redirected to {result}"
    return result


def _redirect(result) -> str:
    assert isinstance(result, str), f"expected a redirect to the client, got {result}"
    return result


def _is_password_page(page: requests.Response) -> bool:
    return page.status_code == 200 and 'autocomplete="current-password"' in page.text


def assert_error_redirect(callback: str, rp: RelyingParty, error: str, issuer: str) -> dict:
    assert callback.startswith(rp.redirect_uri), callback
    params = query(callback)
    assert params["error"] == error, params
    assert params["iss"] == issuer
    assert params["state"] == rp.state
    assert "code" not in params
    return params


def assert_error_page(response: requests.Response) -> None:
    """400, an HTML page for the member, and nothing sent back to any client."""
    assert response.status_code == 400, response.text
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Connexion impossible" in response.text


# -- redirect URI and client checks: a page, never a redirect -----------------------------------

CALLBACK = "http://127.0.0.1:5001/auth/callback"


@pytest.mark.parametrize(
    "params",
    [
        {"redirect_uri": "https://attacker.example.org/auth/callback"},
        {"redirect_uri": CALLBACK + "/x"},
        {"redirect_uri": CALLBACK + "?x=1"},
        {"redirect_uri": CALLBACK + "#x"},
        {"redirect_uri": CALLBACK + "/"},
        {"redirect_uri": "http://127.0.0.1:5009/auth/callback"},  # another port: not for web apps
        {"redirect_uri": "http://localhost:5001/auth/callback"},
        {"redirect_uri": "HTTP://127.0.0.1:5001/auth/callback"},
        {"redirect_uri": "http://127.0.0.1:5001/auth/Callback"},
        {"redirect_uri": "http://127.0.0.1:5001/auth/callback/../callback"},
        {"redirect_uri": "http://user@127.0.0.1:5001/auth/callback"},
        {"redirect_uri": "//127.0.0.1:5001/auth/callback"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "http://127.0.0.1:5002/auth/callback"},  # another client's
        {"client_id": "no-such-client"},
        {"client_id": None},
        {"client_id": ""},
        {"client_id": "x" * 5000},
        {
            "client_id": "health-portal",
            "response_type": "token",
            "redirect_uri": "https://attacker.example.org/cb",
        },
    ],
)
def test_unverified_redirect_uri_or_client_gives_a_page_not_a_redirect(
    server, browser, portal, params
):
    response = _page(browser.go(raw_authorize_url(portal, **params)))
    assert_error_page(response)


def test_client_with_several_uris_must_name_one(server, browser):
    mobile = RelyingParty(server.url, "mobile-app")
    assert_error_page(_page(browser.go(raw_authorize_url(mobile, redirect_uri=None))))


def test_client_with_one_uri_must_still_send_it(server, browser, portal):
    """OIDC Core §3.1.2.1 makes redirect_uri required: no default, no redirect."""
    assert_error_page(_page(browser.go(raw_authorize_url(portal, redirect_uri=None))))


def test_public_native_client_may_use_any_loopback_port(server, browser):
    mobile = RelyingParty(server.url, "mobile-app")
    loopback = "http://127.0.0.1:53682/oauth2/callback"
    callback = browser.sign_in(raw_authorize_url(mobile, redirect_uri=loopback))
    assert callback.startswith(loopback + "?")
    assert query(callback)["iss"] == server.url
    mobile.session.redirect_uri = loopback
    token = mobile.fetch_token(callback)
    assert token["access_token"]


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:53682/oauth2/other",
        "http://localhost:53682/oauth2/callback",
        "https://127.0.0.1:53682/oauth2/callback",
        "http://127.0.0.2:53682/oauth2/callback",
        "http://127.0.0.1:53682/oauth2/callback?x=1",
        "http://127.0.0.1:notaport/oauth2/callback",
        "http://127.0.0.1:99999/oauth2/callback",
        "fr.mutuelle.monespacesante:/oauth2/callback/x",
    ],
)
def test_public_native_client_loopback_otherwise_exact(server, browser, uri):
    mobile = RelyingParty(server.url, "mobile-app")
    assert_error_page(_page(browser.go(raw_authorize_url(mobile, redirect_uri=uri))))


def test_custom_scheme_redirect_for_the_mobile_app(server, browser):
    mobile = RelyingParty(server.url, "mobile-app", scope="openid offline_access")
    token = sign_in_tokens(browser, mobile)
    assert token["refresh_token"] and token["id_token"]


# -- errors redirected to a verified URI carry iss and state ------------------------------------


@pytest.mark.parametrize(
    "response_type", ["token", "id_token", "code token", "code id_token", "none", "foo"]
)
def test_unsupported_response_type_is_redirected_with_iss_and_state(
    server, browser, portal, response_type
):
    callback = _redirect(browser.go(raw_authorize_url(portal, response_type=response_type)))
    assert_error_redirect(callback, portal, "unsupported_response_type", server.url)


def test_missing_response_type_is_redirected(server, browser, portal):
    callback = _redirect(browser.go(raw_authorize_url(portal, response_type=None)))
    params = query(callback)
    assert params["error"] in ("invalid_request", "unsupported_response_type")
    assert params["iss"] == server.url and params["state"] == portal.state


@pytest.mark.parametrize("client_id", ["health-portal", "mobile-app"])
def test_pkce_is_required_for_public_and_default_confidential_clients(server, browser, client_id):
    rp = RelyingParty(server.url, client_id)
    url = raw_authorize_url(rp, code_challenge=None, code_challenge_method=None)
    assert_error_redirect(_redirect(browser.go(url)), rp, "invalid_request", server.url)


@pytest.mark.parametrize(
    "params",
    [
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},  # defaults to plain (RFC 7636 §4.3)
        {"code_challenge_method": "S512"},
        {"code_challenge_method": "s256"},
        {"code_challenge": "short"},
        {"code_challenge": "!" * 50},
        {"code_challenge": None, "code_challenge_method": "S256"},
    ],
)
def test_plain_or_malformed_pkce_is_refused(server, browser, portal, params):
    url = raw_authorize_url(portal, **params)
    assert_error_redirect(_redirect(browser.go(url)), portal, "invalid_request", server.url)


def test_pkce_refused_even_with_a_session(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    url = raw_authorize_url(portal, code_challenge_method="plain")
    assert_error_redirect(_redirect(browser.go(url)), portal, "invalid_request", server.url)


def test_confidential_client_with_pkce_disabled_works_without_it(server, browser):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile", pkce=False)
    url = raw_authorize_url(legacy, code_challenge=None, code_challenge_method=None)
    callback = browser.sign_in(url)
    assert callback.startswith(legacy.redirect_uri) and query(callback)["iss"] == server.url
    token = legacy.fetch_token(callback)
    assert token["id_token"]


def test_success_redirect_carries_code_state_and_iss(server, browser, portal):
    callback = browser.sign_in(portal.authorize_url())
    params = query(callback)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == portal.state and params["iss"] == server.url


def test_state_is_echoed_exactly(server, browser, portal):
    state = "a b+c/d=é&x=1;%"
    callback = browser.sign_in(raw_authorize_url(portal, state=state))
    assert query(callback)["state"] == state
    error = _redirect(browser.go(raw_authorize_url(portal, state=state, response_type="token")))
    assert query(error)["state"] == state


def test_no_state_no_state_back(server, browser, portal):
    callback = browser.sign_in(raw_authorize_url(portal, state=None))
    params = query(callback)
    assert "state" not in params and params["iss"] == server.url and params["code"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "bogus"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"max_age": "soon"}, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
        ({"request_uri": "https://rp.example.org/req"}, "request_uri_not_supported"),
        ({"response_mode": "form_post"}, "unsupported_response_mode"),
        ({"response_mode": "fragment"}, "unsupported_response_mode"),
        ({"response_mode": "jwt"}, "unsupported_response_mode"),
    ],
)
def test_invalid_oidc_parameters_are_redirected_errors(server, browser, portal, params, error):
    callback = _redirect(browser.go(raw_authorize_url(portal, **params)))
    assert_error_redirect(callback, portal, error, server.url)


def test_response_mode_query_is_the_one_answered(server, browser, portal):
    callback = browser.sign_in(raw_authorize_url(portal, response_mode="query"))
    assert query(callback)["code"] and query(callback)["state"] == portal.state
    assert server.discovery()["response_modes_supported"] == ["query"]


def test_an_unsupported_response_mode_with_an_unverified_redirect_is_a_page(
    server, browser, portal
):
    page = browser.go(
        raw_authorize_url(portal, response_mode="form_post", redirect_uri="https://evil.example/cb")
    )
    assert not isinstance(page, str)
    assert page.status_code == 400 and "evil.example" not in page.headers.get("Location", "")


def test_repeated_parameter_is_an_error_never_a_crash(server, browser, portal):
    url = raw_authorize_url(portal) + "&scope=openid"
    result = browser.go(url)
    if isinstance(result, str):
        params = query(result)
        assert params["error"] == "invalid_request" and params["iss"] == server.url
    else:
        assert_error_page(result)
    twice_state = raw_authorize_url(portal) + "&state=other"
    result = browser.go(twice_state)
    assert isinstance(result, str) or result.status_code == 400


def test_unknown_parameters_are_ignored(server, browser, portal):
    url = portal.authorize_url(
        foo="bar", claims_locales="fr", display="touch", x_custom="1", x_long="l" * 5000
    )
    callback = browser.sign_in(url)
    assert code_from(callback) and query(callback)["state"] == portal.state


# -- prompt, max_age, id_token_hint -------------------------------------------------------------


def test_prompt_none_without_session_is_login_required(server, browser, portal):
    callback = _redirect(browser.go(portal.authorize_url(prompt="none")))
    assert_error_redirect(callback, portal, "login_required", server.url)


def test_prompt_none_with_session_answers_at_once(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    response = browser.http.get(portal.authorize_url(prompt="none"), allow_redirects=False)
    assert response.status_code == 302
    callback = response.headers["Location"]
    assert callback.startswith(portal.redirect_uri)
    assert query(callback)["iss"] == server.url and query(callback)["state"] == portal.state
    assert portal.fetch_token(callback)["id_token"]


def test_session_gives_code_without_a_page(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    response = browser.http.get(portal.authorize_url(), allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(CALLBACK)


def test_prompt_login_shows_the_password_page_again(server, browser, portal):
    first = sign_in_tokens(browser, portal)
    _, old = jwt_claims(first["id_token"], server.url)
    page = _page(browser.go(portal.authorize_url(prompt="login")))
    assert _is_password_page(page)
    callback = _redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    _, new = jwt_claims(portal.fetch_token(callback)["id_token"], server.url)
    assert new["auth_time"] >= old["auth_time"]
    assert new["sub"] == old["sub"] and new["nonce"] == portal.nonce


def test_max_age_zero_forces_the_password_page(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    page = _page(browser.go(portal.authorize_url(max_age="0")))
    assert _is_password_page(page)
    callback = _redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    _, claims = jwt_claims(portal.fetch_token(callback)["id_token"], server.url)
    assert "auth_time" in claims


def test_max_age_zero_with_prompt_none_is_login_required(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    callback = _redirect(browser.go(portal.authorize_url(max_age="0", prompt="none")))
    assert_error_redirect(callback, portal, "login_required", server.url)


def test_generous_max_age_reuses_the_session(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    callback = _redirect(browser.go(portal.authorize_url(max_age="3600")))
    assert code_from(callback)


def test_id_token_hint_of_another_member_with_prompt_none_is_login_required(server, portal):
    add_member(server.app, OTHER_NUMBER, OTHER_PASSWORD)
    other = Browser(server.url)
    other_token = portal.fetch_token(
        other.sign_in(portal.authorize_url(), OTHER_NUMBER, OTHER_PASSWORD)
    )
    demo = Browser(server.url)
    own_token = portal.fetch_token(demo.sign_in(portal.authorize_url()))

    url = portal.authorize_url(prompt="none", id_token_hint=other_token["id_token"])
    assert_error_redirect(_redirect(demo.go(url)), portal, "login_required", server.url)
    # The member's own ID token as a hint is fine.
    url = portal.authorize_url(prompt="none", id_token_hint=own_token["id_token"])
    assert code_from(_redirect(demo.go(url)))
    # Without prompt=none, another member's hint asks to sign in again.
    page = _page(demo.go(portal.authorize_url(id_token_hint=other_token["id_token"])))
    assert _is_password_page(page)


def test_garbage_id_token_hint_with_prompt_none(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    url = portal.authorize_url(prompt="none", id_token_hint="not.a.jwt")
    callback = _redirect(browser.go(url))
    assert query(callback)["error"] in ("login_required", "invalid_request")
    assert query(callback)["iss"] == server.url and query(callback)["state"] == portal.state


# -- the sign-in page ---------------------------------------------------------------------------


def test_login_hint_prefills_the_identifier(server, browser, portal):
    page = _page(browser.go(portal.authorize_url(login_hint="camille.martin@example.org")))
    field = re.search(r'<input[^>]*name="username"[^>]*>', page.text)
    assert field is not None
    assert 'value="camille.martin@example.org"' in field.group(0)


def test_login_hint_is_escaped(server, browser, portal):
    page = _page(browser.go(portal.authorize_url(login_hint='"><script>alert(1)</script>')))
    assert "<script>alert(1)" not in page.text
    assert form_fields(page.text)["username"] == '"><script>alert(1)</script>'


def test_pages_are_french_by_default(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    assert '<html lang="fr"' in page.text
    assert "Connexion à votre espace" in page.text and "Mot de passe" in page.text


@pytest.mark.parametrize("locales", ["en", "en-GB fr", "de en"])
def test_ui_locales_gives_english(server, browser, portal, locales):
    page = _page(browser.go(portal.authorize_url(ui_locales=locales)))
    assert '<html lang="en"' in page.text
    assert "Sign in to your account" in page.text and "Password" in page.text
    # The wrong-password answer stays in English.
    answer = _page(browser.submit_password(page, DEMO_NUMBER, "wrong-password-123"))
    assert "Incorrect identifier or password" in answer.text


def test_unsupported_ui_locales_falls_back_to_french(server, browser, portal):
    page = _page(browser.go(portal.authorize_url(ui_locales="de")))
    assert '<html lang="fr"' in page.text


# -- several tabs, expired interactions, cancel --------------------------------------------------


def test_two_tabs_both_complete_with_their_own_state(server, browser, portal):
    provident = RelyingParty(server.url, "provident-portal")
    url_a = portal.authorize_url()
    state_a, verifier_a, nonce_a = portal.state, portal.verifier, portal.nonce
    page_a = _page(browser.go(url_a))
    second = RelyingParty(server.url, "health-portal")
    page_b = _page(browser.go(second.authorize_url()))
    page_c = _page(browser.go(provident.authorize_url()))
    assert page_a.url != page_b.url != page_c.url

    callback_b = _redirect(browser.submit_password(page_b, DEMO_NUMBER, DEMO_PASSWORD))
    callback_a = _redirect(browser.submit_password(page_a, DEMO_NUMBER, DEMO_PASSWORD))
    callback_c = _redirect(browser.submit_password(page_c, DEMO_NUMBER, DEMO_PASSWORD))
    assert query(callback_a)["state"] == state_a
    assert query(callback_b)["state"] == second.state
    assert query(callback_c)["state"] == provident.state
    assert len({code_from(c) for c in (callback_a, callback_b, callback_c)}) == 3

    portal.state, portal.verifier, portal.nonce = state_a, verifier_a, nonce_a
    _, claims_a = jwt_claims(portal.fetch_token(callback_a)["id_token"], server.url)
    assert claims_a["nonce"] == nonce_a
    assert second.fetch_token(callback_b)["access_token"]
    assert provident.fetch_token(callback_c)["access_token"]


def test_submitting_a_finished_interaction_again_is_the_expired_page(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    _redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    again = _page(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    assert again.status_code == 400 and "a expiré" in again.text


def _interaction_id(page: requests.Response) -> str:
    return urlsplit(page.url).path.rsplit("/", 1)[-1]


@pytest.mark.parametrize("path", ["/login/{id}", "/authorize/resume/{id}"])
def test_unknown_interaction_is_a_friendly_page(server, browser, path):
    for interaction_id in ("unknown-interaction-id", "x" * 300, "%00", "é"):
        response = browser.http.get(server.url + path.format(id=interaction_id), timeout=5)
        assert response.status_code in (400, 404), interaction_id
        assert response.headers["Content-Type"].startswith("text/html")
        if response.status_code == 400:
            assert "a expiré" in response.text


def test_expired_interaction_is_a_friendly_page_not_a_500(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    redis_of(server.app).delete(f"idp:interaction:{_interaction_id(page)}")
    answer = _page(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    assert answer.status_code == 400
    assert "a expiré" in answer.text and "Recommencez" in answer.text
    reload = browser.http.get(page.url, timeout=5)
    assert reload.status_code == 400 and "a expiré" in reload.text
    # Nothing was signed in: a new request still needs the password.
    assert _is_password_page(_page(browser.go(portal.authorize_url())))


def test_interaction_of_another_browser_is_refused(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    thief = Browser(server.url)
    stolen = thief.http.get(page.url, timeout=5)
    assert stolen.status_code == 400 and "a expiré" in stolen.text
    # The rightful browser still completes.
    assert code_from(_redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)))


def test_cancel_returns_access_denied_with_iss_and_state(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    action = urljoin(page.url, form_action(page.text, "/cancel"))
    token = form_fields(page.text)["csrf_token"]
    callback = _redirect(browser.go(action, "POST", {"csrf_token": token}))
    assert_error_redirect(callback, portal, "access_denied", server.url)
    # The interaction is over.
    assert browser.http.get(page.url, timeout=5).status_code == 400


def test_cancel_without_csrf_is_refused(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    action = urljoin(page.url, form_action(page.text, "/cancel"))
    refused = _page(browser.go(action, "POST", {"csrf_token": "forged"}))
    assert refused.status_code == 400
    # The interaction is still usable.
    assert code_from(_redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)))


def test_authorize_by_post_form(server, browser, portal):
    url = portal.authorize_url()
    endpoint, _, qs = url.partition("?")
    data = {k: v[0] for k, v in __import__("urllib.parse").parse.parse_qs(qs).items()}
    page = _page(browser.go(endpoint, "POST", data))
    callback = _redirect(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    assert query(callback)["state"] == portal.state


@pytest.mark.parametrize("response_type", ['"token"', "é", "code\\", "code\x00", "token\n"])
def test_response_type_with_odd_characters_is_a_redirected_error(
    server, browser, portal, response_type
):
    callback = _redirect(browser.go(raw_authorize_url(portal, response_type=response_type)))
    assert_error_redirect(callback, portal, "unsupported_response_type", server.url)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        'https://evil.example.org/"cb',
        "https://evil.example.org/é",
        "http://[not-ipv6]/cb",
        "http://127.0.0.1:5001/auth/callback\\",
        "http://127.0.0.1:99999/auth/callback",
        "http://127.0.0.1:53682/oauth2/callback\n",
    ],
)
def test_unparsable_redirect_uri_is_a_page(server, browser, redirect_uri):
    mobile = RelyingParty(server.url, "mobile-app")
    assert_error_page(_page(browser.go(raw_authorize_url(mobile, redirect_uri=redirect_uri))))


def test_over_long_parameter_is_a_redirected_error(server, browser, portal):
    callback = _redirect(browser.go(raw_authorize_url(portal, nonce="n" * 5000)))
    assert_error_redirect(callback, portal, "invalid_request", server.url)
    callback = _redirect(browser.go(raw_authorize_url(portal, state="s" * 5000)))
    params = query(callback)
    assert params["error"] == "invalid_request" and params["iss"] == server.url
    assert "code" not in params


@pytest.mark.parametrize("max_age", ["²", "１", "1e3", " 1", "0x10", "9" * 12])
def test_non_ascii_or_odd_max_age_is_invalid_request(server, browser, portal, max_age):
    callback = _redirect(browser.go(raw_authorize_url(portal, max_age=max_age)))
    assert_error_redirect(callback, portal, "invalid_request", server.url)
