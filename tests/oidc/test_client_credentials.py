"""The client_credentials grant as a service client lives it (RFC 6749 §4.4)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.actors import REPORTING_SECRET, RelyingParty, jwt_claims

SERVICE = ("reporting-service", REPORTING_SECRET)


def _token(server, data: dict | None = None, auth=SERVICE, **kwargs) -> requests.Response:
    url = server.discovery()["token_endpoint"]
    body = {"grant_type": "client_credentials", **(data or {})}
    return requests.post(url, data=body, auth=auth, timeout=10, **kwargs)


@pytest.mark.parametrize("scope", [None, "idp:reporting"])
def test_service_gets_an_access_token_only(server, scope):
    """Without a scope, the service gets its registered scopes (RFC 6749 §3.3)."""
    response = _token(server, {"scope": scope} if scope else None)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert "refresh_token" not in body and "id_token" not in body
    header, claims = jwt_claims(body["access_token"], server.url)
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == "reporting-service" and claims["client_id"] == "reporting-service"
    assert claims["iss"] == server.url and claims["iat"] <= time.time() < claims["exp"]
    assert claims["jti"] and "aud" in claims
    assert body["scope"] == "idp:reporting" and claims["scope"] == "idp:reporting"


def test_service_authenticates_with_post_too(server):
    client_id, secret = SERVICE
    response = _token(server, {"client_id": client_id, "client_secret": secret}, auth=None)
    assert response.status_code == 200, response.text


def test_service_token_introspects_active_for_the_service(server):
    access = _token(server, {"scope": "idp:reporting"}).json()["access_token"]
    url = server.discovery()["introspection_endpoint"]
    body = requests.post(url, data={"token": access}, auth=SERVICE, timeout=10).json()
    assert body["active"] is True
    assert body["client_id"] == "reporting-service" and body["scope"] == "idp:reporting"


@pytest.mark.parametrize(
    "scope",
    ["openid", "openid profile", "idp:reporting member", "idp:admin", "idp:reporting idp:other"],
)
def test_service_cannot_ask_for_scopes_it_does_not_have(server, scope):
    response = _token(server, {"scope": scope})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_scope"


def test_member_scopes_registered_for_a_portal_are_not_service_scopes(server):
    """Even a client registered with member scopes gets none of them without a member."""
    from idp.clients.registry import RegisteredClient
    from idp.clients.schema import ClientSpec
    from idp.oidc.server import ServiceGrant

    spec = ClientSpec.from_stored(
        "svc", "svc", "confidential", {"scopes": ["openid", "profile", "idp:x"]}
    )
    rt = server.app.extensions["idp"]
    client = RegisteredClient(
        "svc", "svc", "confidential", None, spec, "file", False,
        clock=rt.clock, passwords=rt.passwords,
    )  # fmt: skip

    class Request:
        payload = type("P", (), {"scope": "openid"})()

    grant = ServiceGrant.__new__(ServiceGrant)
    grant.request = Request()
    grant.request.client = client
    with pytest.raises(Exception, match="scope"):
        grant.validate_requested_scope()
    grant.request.payload.scope = None
    grant.validate_requested_scope()
    assert grant.granted_scope == "idp:x"


def test_service_token_is_refused_at_userinfo(server):
    access = _token(server, {"scope": "idp:reporting"}).json()["access_token"]
    info = requests.get(
        server.discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert info.status_code == 403
    assert info.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in info.headers["WWW-Authenticate"]


def test_client_not_allowed_the_grant_is_unauthorized_client(server, portal):
    response = _token(server, auth=(portal.client_id, portal.secret))
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_public_client_cannot_use_it(server):
    mobile = RelyingParty(server.url, "mobile-app")
    response = _token(server, {"client_id": mobile.client_id}, auth=None)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "unauthorized_client")


@pytest.mark.parametrize("auth", [("reporting-service", "wrong"), ("nobody", "x"), None])
def test_service_with_wrong_credentials_is_invalid_client(server, auth):
    response = _token(server, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "no-store" in response.headers["Cache-Control"]
