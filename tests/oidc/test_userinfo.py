"""The UserInfo endpoint as a relying party lives it (OIDC Core §5.3, RFC 6750)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.actors import RelyingParty, jwt_claims, sign_in_tokens


@pytest.fixture
def tokens(server, browser, portal) -> dict:
    return sign_in_tokens(browser, portal)


def _url(portal: RelyingParty) -> str:
    return portal.metadata["userinfo_endpoint"]


def _bearer_error(response: requests.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert f'error="{error}"' in challenge
    assert response.json()["error"] == error


def test_get_with_bearer_header(server, portal, tokens):
    response = requests.get(
        _url(portal), headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.json()["member_number"] == "100000001"


def test_post_with_bearer_header(server, portal, tokens):
    response = requests.post(
        _url(portal), headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert response.status_code == 200 and response.json()["sub"]


def test_post_with_form_access_token(server, portal, tokens):
    response = requests.post(
        _url(portal), data={"access_token": tokens["access_token"]}, timeout=10
    )
    assert response.status_code == 200 and response.json()["sub"]


def test_lowercase_bearer_scheme_is_accepted(server, portal, tokens):
    response = requests.get(
        _url(portal), headers={"Authorization": f"bearer {tokens['access_token']}"}, timeout=10
    )
    assert response.status_code == 200


def test_token_in_query_string_is_not_accepted(server, portal, tokens):
    response = requests.get(
        _url(portal), params={"access_token": tokens["access_token"]}, timeout=10
    )
    assert response.status_code == 401


def test_token_in_header_and_body_is_refused(server, portal, tokens):
    response = requests.post(
        _url(portal),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        data={"access_token": tokens["access_token"]},
        timeout=10,
    )
    assert response.status_code in (400, 401)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_token_is_401_with_a_bearer_challenge(server, portal, method):
    response = requests.request(method, _url(portal), timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # RFC 6750 §3.1: no error code when the request had no authentication at all.
    assert "error=" not in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "Bearer " + "a" * 10000,
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token abc",
    ],
)
def test_bad_token_is_401(server, portal, authorization):
    response = requests.get(_url(portal), headers={"Authorization": authorization}, timeout=10)
    assert response.status_code in (400, 401), response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_invalid_token_answers_invalid_token(server, portal):
    response = requests.get(_url(portal), headers={"Authorization": "Bearer nope"}, timeout=10)
    _bearer_error(response, 401, "invalid_token")


def test_tampered_token_is_invalid(server, portal, tokens):
    header, payload, signature = tokens["access_token"].split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    _bearer_error(portal.userinfo(tampered), 401, "invalid_token")


def test_unsigned_token_is_invalid(server, portal, tokens):
    import base64
    import json

    _, payload, _ = tokens["access_token"].split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    forged = f"{none_header.decode().rstrip('=')}.{payload}."
    _bearer_error(portal.userinfo(forged), 401, "invalid_token")


def test_expired_token_is_invalid(server, portal, tokens):
    from idp.tokens import issued as token_module

    _, claims = jwt_claims(tokens["access_token"], server.url)
    claims.update(iat=claims["iat"] - 3600, exp=int(time.time()) - 1)
    with server.app.app_context():
        expired = token_module.sign(claims, server.app.extensions["idp"].keys, typ="at+jwt")
    _bearer_error(portal.userinfo(expired), 401, "invalid_token")


def test_revoked_token_is_invalid(server, portal, tokens):
    assert portal.revoke(tokens["access_token"]).status_code == 200
    _bearer_error(portal.userinfo(tokens["access_token"]), 401, "invalid_token")


def test_id_token_is_not_an_access_token(server, portal, tokens):
    _bearer_error(portal.userinfo(tokens["id_token"]), 401, "invalid_token")


def test_refresh_token_is_not_an_access_token(server, portal, tokens):
    _bearer_error(portal.userinfo(tokens["refresh_token"]), 401, "invalid_token")


def test_token_without_openid_scope_is_403(server, browser):
    rp = RelyingParty(server.url, "health-portal", scope="profile email")
    tokens = sign_in_tokens(browser, rp)
    _bearer_error(rp.userinfo(tokens["access_token"]), 403, "insufficient_scope")


def test_openid_scope_alone_gives_only_sub(server, browser):
    rp = RelyingParty(server.url, "health-portal", scope="openid")
    tokens = sign_in_tokens(browser, rp)
    body = rp.userinfo(tokens["access_token"]).json()
    assert set(body) == {"sub"}


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid profile", {"family_name", "given_name", "name", "birthdate"}),
        ("openid email", {"email", "email_verified"}),
        ("openid phone", {"phone_number", "phone_number_verified"}),
        ("openid member", {"member_number", "contracts"}),
    ],
)
def test_each_scope_releases_its_claims_only(server, browser, scope, claims):
    rp = RelyingParty(server.url, "health-portal", scope=scope)
    tokens = sign_in_tokens(browser, rp)
    body = rp.userinfo(tokens["access_token"]).json()
    assert set(body) == {"sub", *claims}


def test_member_deactivated_after_issue_is_refused(server, portal, tokens):
    from idp.db import db
    from idp.models import Member

    with server.app.app_context():
        member = db.session.query(Member).filter_by(member_number="100000001").one()
        member.password_hash = None
        db.session.commit()
    _bearer_error(portal.userinfo(tokens["access_token"]), 401, "invalid_token")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_without_a_500(server, portal, tokens, method):
    response = requests.request(
        method,
        _url(portal),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert response.status_code == 405
