"""Discovery (OIDC Discovery 1.0, RFC 8414), JWKS and CORS as a relying party sees them."""

from __future__ import annotations

import pytest
import requests

from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, raw_authorize_url

WELL_KNOWN = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "introspection_endpoint",
)
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


@pytest.mark.parametrize("path", WELL_KNOWN)
def test_metadata_lists_every_endpoint_under_the_issuer(server, path):
    response = requests.get(server.url + path, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    meta = response.json()
    assert meta["issuer"] == server.url
    for name in ENDPOINTS:
        assert meta[name].startswith(server.url + "/"), name
    # Every advertised endpoint exists (none answers 404).
    for name in ENDPOINTS:
        method = "GET" if name in ("authorization_endpoint", "jwks_uri") else "POST"
        assert requests.request(method, meta[name], timeout=5).status_code != 404, name


def test_both_metadata_documents_agree(server):
    oidc, oauth = (requests.get(server.url + p, timeout=5).json() for p in WELL_KNOWN)
    assert oidc == oauth


def test_metadata_advertises_only_what_is_implemented(server):
    meta = server.discovery()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert "implicit" not in meta["grant_types_supported"]
    assert "password" not in meta["grant_types_supported"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "openid" in meta["scopes_supported"]
    assert "none" in meta["token_endpoint_auth_methods_supported"]
    assert "none" not in meta["introspection_endpoint_auth_methods_supported"]
    assert meta["id_token_signing_alg_values_supported"]
    assert meta["subject_types_supported"] == ["public"]


def test_jwks_publishes_distinct_public_keys_only(server):
    response = requests.get(server.discovery()["jwks_uri"], timeout=5)
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) >= 2  # the active key and the next one, published before it signs
    kids = [k["kid"] for k in keys]
    assert len(set(kids)) == len(kids)
    for jwk in keys:
        assert not set(PRIVATE_JWK_MEMBERS) & set(jwk), jwk
        assert jwk["use"] == "sig" and jwk["alg"]


def _signed_in_token(server, browser, portal) -> dict:
    callback = browser.sign_in(portal.authorize_url())
    return portal.fetch_token(callback)


CORS = "Access-Control-Allow-Origin"
ORIGIN = {"Origin": "https://spa.example.org"}


@pytest.mark.parametrize("path", [*WELL_KNOWN, "/jwks.json"])
def test_cors_on_public_documents(server, path):
    response = requests.get(server.url + path, headers=ORIGIN, timeout=5)
    assert response.headers.get(CORS) == "*"


def test_cors_on_token_and_userinfo(server, browser, portal):
    meta = server.discovery()
    for url in (meta["token_endpoint"], meta["userinfo_endpoint"]):
        preflight = requests.options(
            url,
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
            timeout=5,
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers.get(CORS) == "*"
        assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    # Error and success answers carry it too.
    error = requests.post(meta["token_endpoint"], data={}, headers=ORIGIN, timeout=5)
    assert error.status_code >= 400 and error.headers.get(CORS) == "*"
    token = _signed_in_token(server, browser, portal)
    info = portal.userinfo(token["access_token"])
    assert info.status_code == 200 and info.headers.get(CORS) == "*"
    refused = requests.get(meta["userinfo_endpoint"], headers=ORIGIN, timeout=5)
    assert refused.status_code == 401 and refused.headers.get(CORS) == "*"


def test_no_cors_on_browser_and_confidential_endpoints(server, browser, portal):
    meta = server.discovery()
    authorize = requests.get(
        raw_authorize_url(portal), headers=ORIGIN, allow_redirects=False, timeout=5
    )
    assert CORS not in authorize.headers
    bad_authorize = requests.get(meta["authorization_endpoint"], headers=ORIGIN, timeout=5)
    assert CORS not in bad_authorize.headers
    for name in ("revocation_endpoint", "introspection_endpoint"):
        r = requests.post(meta[name], data={"token": "x"}, headers=ORIGIN, timeout=5)
        assert CORS not in r.headers, name
        pre = requests.options(
            meta[name], headers={**ORIGIN, "Access-Control-Request-Method": "POST"}, timeout=5
        )
        assert CORS not in pre.headers, name
    # The sign-in pages.
    page = browser.go(portal.authorize_url())
    assert not isinstance(page, str)
    assert CORS not in page.headers
    login = requests.get(page.url, headers=ORIGIN, timeout=5)
    assert CORS not in login.headers
    callback = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(callback, str)
    assert browser.last is not None and CORS not in browser.last.headers


def test_discovery_is_cacheable_and_small(server):
    response = requests.get(server.url + WELL_KNOWN[0], timeout=5)
    assert "max-age" in response.headers.get("Cache-Control", "")
    assert len(response.content) < 8192
