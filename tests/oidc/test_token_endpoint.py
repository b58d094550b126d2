"""The token endpoint's authorization_code grant as a relying party lives it
(RFC 6749 §4.1.3, §5; RFC 7636 §4.6; RFC 9068; RFC 9700 §4.8)."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    HEALTH_PORTAL_CALLBACK,
    LEGACY_SECRET,
    RelyingParty,
    code_from,
    jwt_claims,
    post_token,
    raw_authorize_url,
)


def _code(browser, rp: RelyingParty, **params) -> str:
    """A fresh code for ``rp``: signs in unless the browser already has a session."""
    result = browser.go(raw_authorize_url(rp, **params))
    if not isinstance(result, str):
        result = browser.submit_password(result, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str), result
    return code_from(result)


def _exchange(rp: RelyingParty, code: str, **extra) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier,
        **extra,
    }
    return rp.token_request(**{k: v for k, v in data.items() if v is not None})


def _error(response: requests.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error, response.text
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"].startswith("application/json")


def test_success_is_json_and_not_cached(server, browser, portal):
    response = _exchange(portal, _code(browser, portal))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers.get("Pragma") == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 3600
    assert {"access_token", "refresh_token", "id_token", "scope"} <= set(body)


def test_access_token_is_an_rfc9068_jwt(server, browser, portal):
    token = _exchange(portal, _code(browser, portal)).json()
    header, claims = jwt_claims(token["access_token"], server.url)
    assert header["typ"] == "at+jwt"
    assert header["kid"] and header["alg"] in ("RS256", "ES256")
    for claim in ("iss", "sub", "aud", "client_id", "exp", "iat", "jti", "scope"):
        assert claim in claims, claim
    assert claims["iss"] == server.url
    assert claims["client_id"] == "health-portal"
    assert claims["iat"] <= time.time() < claims["exp"]
    assert set(claims["scope"].split()) == set(portal.scope.split())
    _, id_claims = jwt_claims(token["id_token"], server.url)
    assert claims["sub"] == id_claims["sub"]
    assert claims["aud"] == server.url  # the provider's own resource (userinfo)
    # A resource server can check how and when the member signed in (ASVS 5.0 10.3.4).
    for claim in ("acr", "amr", "auth_time"):
        assert claims[claim] == id_claims[claim], claim
    # The ID token is not an access token.
    id_header, _ = jwt_claims(token["id_token"], server.url)
    assert id_header.get("typ") != "at+jwt"
    assert portal.userinfo(token["id_token"]).status_code == 401


def test_code_reuse_is_refused_and_revokes_what_it_issued(server, browser, portal):
    code = _code(browser, portal)
    first = _exchange(portal, code)
    assert first.status_code == 200
    tokens = first.json()
    assert portal.userinfo(tokens["access_token"]).status_code == 200

    _error(_exchange(portal, code), 400, "invalid_grant")

    assert portal.userinfo(tokens["access_token"]).status_code == 401
    assert portal.introspect(tokens["access_token"]) == {"active": False}
    assert portal.introspect(tokens["refresh_token"]) == {"active": False}
    refreshed = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    _error(refreshed, 400, "invalid_grant")


def test_code_is_single_use_even_when_the_first_use_failed_pkce(server, browser, portal):
    code = _code(browser, portal)
    _error(_exchange(portal, code, code_verifier="w" * 64), 400, "invalid_grant")
    _error(_exchange(portal, code), 400, "invalid_grant")


def test_wrong_code_verifier_is_invalid_grant(server, browser, portal):
    code = _code(browser, portal)
    _error(_exchange(portal, code, code_verifier="x" * 43), 400, "invalid_grant")


def test_missing_code_verifier_is_invalid_request(server, browser, portal):
    _error(_exchange(portal, _code(browser, portal), code_verifier=None), 400, "invalid_request")


@pytest.mark.parametrize("verifier", ["short", "é" * 50, "a b" * 20, "x" * 129])
def test_malformed_code_verifier_is_refused(server, browser, portal, verifier):
    response = _exchange(portal, _code(browser, portal), code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_grant")


def test_public_client_without_verifier_is_refused(server, browser):
    mobile = RelyingParty(server.url, "mobile-app")
    code = _code(browser, mobile)
    _error(_exchange(mobile, code, code_verifier=None), 400, "invalid_request")


def test_public_client_exchanges_with_its_verifier(server, browser):
    mobile = RelyingParty(server.url, "mobile-app")
    response = _exchange(mobile, _code(browser, mobile))
    assert response.status_code == 200, response.text
    # A public client cannot pretend to authenticate with a secret.
    code = _code(browser, mobile)
    _error(_exchange(mobile, code, client_secret="anything"), 401, "invalid_client")


def test_verifier_without_challenge_is_refused(server, browser):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile", pkce=False)
    code = _code(browser, legacy, code_challenge=None, code_challenge_method=None)
    _error(_exchange(legacy, code, code_verifier="v" * 64), 400, "invalid_request")


def test_client_without_pkce_exchanges_without_verifier(server, browser):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile", pkce=False)
    code = _code(browser, legacy, code_challenge=None, code_challenge_method=None)
    response = _exchange(legacy, code, code_verifier=None)
    assert response.status_code == 200, response.text


def test_client_without_pkce_may_still_use_it(server, browser):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile")
    code = _code(browser, legacy)
    _error(_exchange(legacy, code, code_verifier=None), 400, "invalid_request")
    code = _code(browser, legacy)
    assert _exchange(legacy, code).status_code == 200


@pytest.mark.parametrize("method", ["basic", "post"])
def test_argon2_hashed_secret_authenticates(server, browser, method):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile", pkce=False)
    code = _code(browser, legacy, code_challenge=None, code_challenge_method=None)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": legacy.redirect_uri}
    wrong_secret = LEGACY_SECRET[:-1] + "0"
    if method == "basic":
        _error(
            post_token(legacy, data, auth=("legacy-portal", wrong_secret)), 401, "invalid_client"
        )
        response = post_token(legacy, data, auth=("legacy-portal", LEGACY_SECRET))
    else:
        wrong = post_token(
            legacy, {**data, "client_id": "legacy-portal", "client_secret": wrong_secret}
        )
        assert wrong.json()["error"] == "invalid_client"
        data.update(client_id="legacy-portal", client_secret=LEGACY_SECRET)
        response = post_token(legacy, data)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [None, "http://127.0.0.1:5001/auth/callback/x", "http://127.0.0.1:5002/auth/callback", ""],
)
def test_redirect_uri_mismatch_is_invalid_grant(server, browser, portal, redirect_uri):
    code = _code(browser, portal)
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": portal.verifier}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    _error(post_token(portal, data, auth=(portal.client_id, portal.secret)), 400, "invalid_grant")


def test_code_of_another_client_is_invalid_grant(server, browser, portal):
    provident = RelyingParty(server.url, "provident-portal")
    code = _code(browser, portal)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": portal.verifier,
        "redirect_uri": HEALTH_PORTAL_CALLBACK,
    }
    response = post_token(provident, data, auth=(provident.client_id, provident.secret))
    _error(response, 400, "invalid_grant")


def test_unknown_or_expired_code_is_invalid_grant(server, browser, portal):
    _error(_exchange(portal, "no-such-code"), 400, "invalid_grant")
    code = _code(browser, portal)
    from idp.tokens import codes

    server.app.extensions["idp"].redis.delete(f"idp:code:{codes.digest(code)}")
    _error(_exchange(portal, code), 400, "invalid_grant")


def test_missing_code_is_invalid_request(server, portal):
    _error(portal.token_request(grant_type="authorization_code"), 400, "invalid_request")


@pytest.mark.parametrize("how", ["basic", "post"])
def test_wrong_client_secret_is_invalid_client(server, browser, portal, how):
    code = _code(browser, portal)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": portal.verifier,
        "redirect_uri": portal.redirect_uri,
    }
    if how == "basic":
        response = post_token(portal, data, auth=(portal.client_id, "wrong-secret"))
        _error(response, 401, "invalid_client")
        assert response.headers["WWW-Authenticate"].lower().startswith("basic")
    else:
        data.update(client_id=portal.client_id, client_secret="wrong-secret")
        response = post_token(portal, data)
        assert response.status_code in (400, 401)
        assert response.json()["error"] == "invalid_client"
    # The code was not spent by the failed authentication.
    assert _exchange(portal, code).status_code == 200


def test_confidential_client_must_authenticate(server, browser, portal):
    code = _code(browser, portal)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": portal.verifier,
        "redirect_uri": portal.redirect_uri,
        "client_id": portal.client_id,
    }
    response = post_token(portal, data)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "auth",
    [("no-such-client", "secret"), ("", "secret"), ("health-portal", ""), ("mobile-app", "x")],
)
def test_unknown_or_incomplete_client_credentials(server, portal, auth):
    response = post_token(portal, {"grant_type": "authorization_code", "code": "x"}, auth=auth)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_secret_with_url_encoded_basic_credentials(server, browser, portal):
    """RFC 6749 §2.3.1: client_id and secret are form-urlencoded inside Basic."""
    code = _code(browser, portal)
    raw = f"{portal.client_id}:{portal.secret}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": portal.verifier,
        "redirect_uri": portal.redirect_uri,
    }
    assert post_token(portal, data, headers=headers).status_code == 200


def test_unsupported_grant_types(server, portal):
    for grant in ("password", "implicit", "urn:ietf:params:oauth:grant-type:device_code", "x"):
        _error(
            portal.token_request(grant_type=grant, username="a", password="b"),
            400,
            "unsupported_grant_type",
        )
    _error(portal.token_request(), 400, "unsupported_grant_type")


def test_client_not_allowed_the_grant_is_unauthorized_client(server, portal):
    response = requests.post(
        portal.metadata["token_endpoint"],
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
        auth=("reporting-service", "reporting-service-test-secret-0123456789abcd"),
        timeout=10,
    )
    _error(response, 400, "unauthorized_client")


def test_id_token_claims(server, browser, portal):
    token = _exchange(portal, _code(browser, portal)).json()
    header, claims = jwt_claims(token["id_token"], server.url)
    assert header["kid"]
    for claim in (
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "azp",
        "sid",
        "at_hash",
    ):
        assert claim in claims, claim
    assert claims["nonce"] == portal.nonce


def test_scope_without_openid_gives_no_id_token(server, browser):
    rp = RelyingParty(server.url, "health-portal", scope="profile")
    token = _exchange(rp, _code(browser, rp)).json()
    assert "id_token" not in token and token["access_token"]
    assert rp.userinfo(token["access_token"]).status_code == 403


def test_scope_is_limited_to_the_clients_scopes(server, browser):
    legacy = RelyingParty(server.url, "legacy-portal", scope="openid profile email member")
    token = _exchange(legacy, _code(browser, legacy)).json()
    assert set(token["scope"].split()) == {"openid", "profile"}
    _, claims = jwt_claims(token["access_token"], server.url)
    assert set(claims["scope"].split()) == {"openid", "profile"}


def test_code_replayed_during_its_first_exchange_fails_both(server, browser, portal):
    """Two exchanges racing: the replay arrives after the first took the code but before it
    recorded its tokens. Neither gets tokens (RFC 6749 §4.1.2)."""
    from idp.tokens import codes

    code = _code(browser, portal)
    store = codes.AuthorizationCodes.of(server.app.extensions["idp"])
    with server.app.test_request_context():
        record = store.take(code)
        assert record is not None
        assert store.replayed(code) == {}  # the racing request sees the code in use…
        ttl = server.app.extensions["idp"].redis.ttl(f"idp:code-used:{record.code_hash}")
        assert ttl > 0
        # …so the first exchange may not issue.
        assert store.record_issued(record.code_hash, "family", "jti") is False
    _error(_exchange(portal, code), 400, "invalid_grant")


def test_code_marker_keeps_what_was_issued(server, browser, portal):
    from idp.tokens import codes

    code = _code(browser, portal)
    store = codes.AuthorizationCodes.of(server.app.extensions["idp"])
    with server.app.test_request_context():
        record = store.take(code)
        assert record is not None
        assert store.record_issued(record.code_hash, "family", "jti") is True
        assert store.replayed(code) == {"family_id": "family", "jti": "jti"}
        assert server.app.extensions["idp"].redis.ttl(f"idp:code-used:{record.code_hash}") > 0


# -- one request, one meaning (RFC 6749 §2.3, §3.2) ---------------------------------------------


def _code_request(rp: RelyingParty, code: str) -> dict:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": rp.verifier,
        "redirect_uri": rp.redirect_uri,
    }


def test_a_repeated_parameter_is_invalid_request_and_spends_nothing(server, browser, portal):
    code = _code(browser, portal)
    body = [*_code_request(portal, code).items(), ("code", code)]
    response = requests.post(
        server.discovery()["token_endpoint"], data=body, auth=(portal.client_id, portal.secret),
        timeout=10,
    )  # fmt: skip
    _error(response, 400, "invalid_request")
    assert "code" in response.json()["error_description"]
    assert _exchange(portal, code).status_code == 200  # the code was not spent


def test_two_authentication_methods_are_invalid_request(server, browser, portal):
    code = _code(browser, portal)
    data = {**_code_request(portal, code), "client_secret": portal.secret}
    response = post_token(portal, data, auth=(portal.client_id, portal.secret))
    _error(response, 400, "invalid_request")
    assert _exchange(portal, code).status_code == 200


def test_client_id_in_the_body_must_name_the_authenticated_client(server, browser, portal):
    """Basic as one client with another client's id in the body gets nothing."""
    code = _code(browser, portal)
    legacy = RelyingParty(server.url, "legacy-portal")
    data = {**_code_request(portal, code), "client_id": "health-portal"}
    response = post_token(portal, data, auth=(legacy.client_id, LEGACY_SECRET))
    _error(response, 400, "invalid_request")
    same = post_token(portal, data, auth=(portal.client_id, portal.secret))
    assert same.status_code == 200, same.text


def test_introspection_and_revocation_are_as_strict(server, browser, portal):
    tokens = _exchange(portal, _code(browser, portal)).json()
    for endpoint in ("introspection_endpoint", "revocation_endpoint"):
        url = server.discovery()[endpoint]
        twice = [("token", tokens["refresh_token"]), ("token", "other")]
        response = requests.post(
            url, data=twice, auth=(portal.client_id, portal.secret), timeout=10
        )
        _error(response, 400, "invalid_request")
        both = {"token": tokens["refresh_token"], "client_secret": portal.secret}
        response = requests.post(url, data=both, auth=(portal.client_id, portal.secret), timeout=10)
        _error(response, 400, "invalid_request")
    # Nothing was revoked by the refused requests.
    refreshed = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text
