"""Token revocation (RFC 7009) and introspection (RFC 7662) as relying parties live them."""

from __future__ import annotations

import time

import pytest
import requests

from tests.actors import RelyingParty, introspect_as, jwt_claims, sign_in_tokens


@pytest.fixture
def tokens(server, browser, portal) -> dict:
    return sign_in_tokens(browser, portal)


@pytest.fixture
def provident(server) -> RelyingParty:
    return RelyingParty(server.url, "provident-portal")


@pytest.fixture
def mobile(server) -> RelyingParty:
    return RelyingParty(server.url, "mobile-app", scope="openid profile offline_access")


def _refresh(rp: RelyingParty, refresh_token: str) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=refresh_token)


# -- revocation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_revoking_an_access_token(server, portal, tokens, hint):
    response = portal.revoke(tokens["access_token"], hint)
    assert response.status_code == 200
    assert portal.userinfo(tokens["access_token"]).status_code == 401
    assert portal.introspect(tokens["access_token"]) == {"active": False}
    # RFC 7009 §2.1: revoking an access token may leave the refresh token alone.
    assert _refresh(portal, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token"])
def test_revoking_a_refresh_token_revokes_its_family(server, portal, tokens, hint):
    rotated = _refresh(portal, tokens["refresh_token"]).json()
    response = portal.revoke(rotated["refresh_token"], hint)
    assert response.status_code == 200
    assert _refresh(portal, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    for token in (tokens, rotated):
        assert portal.userinfo(token["access_token"]).status_code == 401
        assert portal.introspect(token["access_token"]) == {"active": False}
    assert portal.introspect(rotated["refresh_token"]) == {"active": False}


def test_revoking_an_old_refresh_token_of_the_family_revokes_it_all(server, portal, tokens):
    rotated = _refresh(portal, tokens["refresh_token"]).json()
    assert portal.revoke(tokens["refresh_token"]).status_code == 200
    assert _refresh(portal, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert portal.userinfo(rotated["access_token"]).status_code == 401


def test_public_client_revokes_its_own_tokens(server, browser, mobile):
    tokens = sign_in_tokens(browser, mobile)
    assert mobile.revoke(tokens["refresh_token"]).status_code == 200
    assert _refresh(mobile, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert mobile.userinfo(tokens["access_token"]).status_code == 401


@pytest.mark.parametrize("token", ["unknown-token", "x" * 5000, "a.b.c", "é"])
def test_unknown_token_is_200(server, portal, token):
    response = portal.revoke(token)
    assert response.status_code == 200


def test_revoking_twice_is_200(server, portal, tokens):
    assert portal.revoke(tokens["refresh_token"]).status_code == 200
    assert portal.revoke(tokens["refresh_token"]).status_code == 200
    assert portal.revoke(tokens["access_token"]).status_code == 200


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_another_clients_token_is_refused_and_keeps_working(
    server, portal, provident, tokens, kind
):
    response = provident.revoke(tokens[kind])
    assert response.status_code in (400, 401, 403)
    assert response.json()["error"] in ("invalid_grant", "unauthorized_client", "invalid_request")
    assert portal.userinfo(tokens["access_token"]).status_code == 200
    assert portal.introspect(tokens[kind])["active"] is True
    assert _refresh(portal, tokens["refresh_token"]).status_code == 200


def test_revocation_needs_client_authentication(server, portal, tokens):
    url = portal.metadata["revocation_endpoint"]
    anonymous = requests.post(url, data={"token": tokens["access_token"]}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    wrong = requests.post(
        url, data={"token": tokens["access_token"]}, auth=(portal.client_id, "wrong"), timeout=10
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    claims_only = requests.post(
        url, data={"token": tokens["access_token"], "client_id": portal.client_id}, timeout=10
    )
    assert claims_only.status_code == 401
    assert portal.userinfo(tokens["access_token"]).status_code == 200


def test_revocation_without_token_is_invalid_request(server, portal):
    response = requests.post(
        portal.metadata["revocation_endpoint"],
        data={},
        auth=(portal.client_id, portal.secret),
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("hint", ["id_token", "bogus"])
def test_unknown_token_type_hint_is_ignored(server, portal, tokens, hint):
    """RFC 7009 §2.1 / RFC 7662 §2.1: the server may ignore the hint and search every kind."""
    assert introspect_as(portal, tokens["access_token"], token_type_hint=hint).json()["active"]
    response = portal.revoke(tokens["access_token"], hint)
    assert response.status_code == 200
    assert portal.userinfo(tokens["access_token"]).status_code == 401


# -- introspection --------------------------------------------------------------------------------


def test_active_access_token_shows_its_claims(server, portal, tokens):
    body = portal.introspect(tokens["access_token"])
    _, claims = jwt_claims(tokens["access_token"], server.url)
    assert body["active"] is True
    assert body["client_id"] == "health-portal"
    assert body["sub"] == claims["sub"] and body["scope"] == claims["scope"]
    assert body["iss"] == server.url and body["exp"] == claims["exp"]
    assert body["iat"] == claims["iat"] and body["jti"] == claims["jti"]
    assert body["token_type"]


def test_introspection_response_is_not_cached(server, portal, tokens):
    response = introspect_as(portal, tokens["access_token"])
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"].startswith("application/json")


def test_active_refresh_token_shows_its_claims(server, portal, tokens):
    body = portal.introspect(tokens["refresh_token"])
    assert body["active"] is True
    assert body["client_id"] == "health-portal"
    assert body["exp"] > time.time() and body["sub"]
    body = introspect_as(portal, tokens["refresh_token"], token_type_hint="refresh_token").json()
    assert body["active"] is True


def test_used_refresh_token_is_inactive(server, portal, tokens):
    _refresh(portal, tokens["refresh_token"])
    assert portal.introspect(tokens["refresh_token"]) == {"active": False}


def test_other_clients_token_is_inactive_to_it(server, portal, provident, tokens):
    for kind in ("access_token", "refresh_token"):
        response = introspect_as(provident, tokens[kind])
        assert response.status_code == 200
        assert response.json() == {"active": False}
    assert portal.introspect(tokens["access_token"])["active"] is True


@pytest.mark.parametrize("token", ["unknown", "x" * 5000, "a.b.c", " "])
def test_unknown_token_is_inactive(server, portal, token):
    response = introspect_as(portal, token)
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_empty_token_is_invalid_request(server, portal):
    response = introspect_as(portal, "")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert portal.revoke("").json()["error"] == "invalid_request"


def test_public_client_cannot_introspect(server, browser, mobile):
    tokens = sign_in_tokens(browser, mobile)
    response = introspect_as(mobile, tokens["access_token"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection_needs_client_authentication(server, portal, tokens):
    url = portal.metadata["introspection_endpoint"]
    for auth in (None, (portal.client_id, "wrong"), ("nobody", "x")):
        response = requests.post(url, data={"token": tokens["access_token"]}, auth=auth, timeout=10)
        assert response.status_code == 401, auth
        assert response.json()["error"] == "invalid_client"
        assert "active" not in response.json()


def test_introspection_without_token_is_invalid_request(server, portal):
    response = requests.post(
        portal.metadata["introspection_endpoint"],
        data={},
        auth=(portal.client_id, portal.secret),
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_id_token_is_not_introspected_as_active(server, portal, tokens):
    assert portal.introspect(tokens["id_token"]) == {"active": False}
