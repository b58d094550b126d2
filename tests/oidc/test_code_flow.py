"""The authorization code flow as a relying party lives it (OIDC Core §3.1)."""

from __future__ import annotations

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.actors import query


def test_code_flow_with_pkce_gives_verified_id_token_and_userinfo(server, browser, portal):
    callback = browser.sign_in(portal.authorize_url())
    assert callback.startswith(portal.redirect_uri)
    token = portal.fetch_token(callback)
    assert token["token_type"] == "Bearer" and token["refresh_token"]

    jwks = KeySet.import_key_set(requests.get(portal.metadata["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], jwks)
    claims = id_token.claims
    assert claims["iss"] == server.url
    assert claims["aud"] == "health-portal" and claims["azp"] == "health-portal"
    assert claims["nonce"] == portal.nonce
    assert claims["amr"] == ["email", "mfa", "otp", "pwd"] and claims["acr"] == "urn:idp:acr:mfa"
    assert claims["sub"] != "100000001" and claims["sid"] and claims["at_hash"]
    assert claims["auth_time"] <= claims["iat"] < claims["exp"]

    info = portal.userinfo(token["access_token"])
    assert info.status_code == 200
    body = info.json()
    assert body["sub"] == claims["sub"]
    assert body["family_name"] == "Martin" and body["given_name"] == "Camille"
    assert body["birthdate"] == "1980-04-12"
    assert body["email"] == "camille.martin@example.org"
    assert body["phone_number"] == "+33612345678"
    assert body["member_number"] == "100000001"
    assert body["contracts"] == ["health", "provident"]


def test_sso_second_client_gets_code_without_typing(server, browser, portal):
    from tests.actors import RelyingParty

    browser.sign_in(portal.authorize_url())
    provident = RelyingParty(server.url, "provident-portal")
    callback = browser.go(provident.authorize_url())
    assert isinstance(callback, str) and callback.startswith(provident.redirect_uri)
    assert "code" in query(callback)
    assert provident.fetch_token(callback)["access_token"]
