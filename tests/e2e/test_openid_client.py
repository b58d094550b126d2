"""panva's openid-client (Node) as the relying party of a real ``idp serve`` process.

openid-client is strict and widely used: it validates discovery, the RFC 9207 ``iss``
authorization-response parameter, state, PKCE, the ID token (signature via the JWKS, iss, aud,
azp, exp, iat, nonce, at_hash) and the userinfo ``sub``. If the provider gets any of it wrong,
the step reports openid-client's error code and message and the assertions below show it.
"""

from __future__ import annotations

import json

from tests.actors import CLIENTS, DEMO_NUMBER, Browser, query
from tests.e2e.conftest import ServerProcess, node_rp

CLIENT_ID = "health-portal"
SCOPE = "openid profile email phone member"


def ok(steps: dict, name: str) -> dict:
    """The result of a step that must have succeeded; openid-client's error otherwise."""
    result = steps[name]
    assert result["ok"], f"openid-client step {name!r} failed:\n{json.dumps(result, indent=2)}"
    return result


def rejected(steps: dict, name: str, error: str) -> dict:
    """The result of a step the provider must have refused with the OAuth ``error`` code."""
    result = steps[name]
    assert not result["ok"] and not result.get("skipped"), (
        f"step {name!r} should have been refused with {error}:\n{json.dumps(result, indent=2)}"
    )
    assert result.get("error") == error, json.dumps(result, indent=2)
    return result


def test_openid_client_code_flow_refresh_revocation(provider: ServerProcess):
    rp = node_rp()
    secret, redirect_uri = CLIENTS[CLIENT_ID]
    rp_input = {
        "issuer": provider.url,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
    }

    # 1. openid-client discovers the provider and builds the authorization request.
    request = rp.run("authorize", rp_input)
    assert request["server_metadata"]["issuer"] == provider.url
    authorization_url = request["authorization_url"]
    params = query(authorization_url)
    assert authorization_url.startswith(request["server_metadata"]["authorization_endpoint"])
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert params["scope"] == SCOPE and params["client_id"] == CLIENT_ID

    # 2. The member signs in through the HTML form; the provider redirects to the callback.
    callback = Browser(provider.url).sign_in(authorization_url)
    assert callback.startswith(redirect_uri), callback
    assert query(callback)["iss"] == provider.url

    # 3. openid-client completes the flow and uses every token endpoint.
    result = rp.run(
        "complete",
        {
            **rp_input,
            "callback_url": callback,
            "state": request["state"],
            "nonce": request["nonce"],
            "code_verifier": request["code_verifier"],
        },
    )
    steps = result["steps"]

    grant = ok(steps, "authorization_code_grant")
    assert grant["token_type"].lower() == "bearer"
    assert grant["has_access_token"] and grant["has_refresh_token"] and grant["has_id_token"]
    claims = grant["claims"]  # validated by openid-client
    assert claims["iss"] == provider.url
    assert claims["aud"] in (CLIENT_ID, [CLIENT_ID])
    assert claims["nonce"] == request["nonce"]
    assert claims["sub"] and claims["sub"] != DEMO_NUMBER
    assert DEMO_NUMBER not in claims["sub"]
    assert "pwd" in claims["amr"]
    assert claims["acr"]
    assert claims["sid"]
    assert claims["at_hash"]
    assert claims["auth_time"] <= claims["iat"] < claims["exp"]

    userinfo = ok(steps, "userinfo")["userinfo"]
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["family_name"] == "Martin"
    assert userinfo["member_number"] == DEMO_NUMBER

    introspected = ok(steps, "introspection_initial")["response"]
    assert introspected["active"] is True
    assert introspected["sub"] == claims["sub"]
    assert introspected["client_id"] == CLIENT_ID

    # Refresh: new access token and a NEW refresh token (rotation).
    refreshed = ok(steps, "refresh")
    assert refreshed["has_access_token"] and refreshed["access_token_changed"]
    assert refreshed["has_refresh_token"] and refreshed["refresh_token_rotated"]
    if refreshed["claims"] is not None:  # an ID token on refresh was validated as well
        assert refreshed["claims"]["sub"] == claims["sub"]
    assert ok(steps, "userinfo_after_refresh")["userinfo"]["sub"] == claims["sub"]

    # Revocation (RFC 7009) of the new access token, then introspection (RFC 7662).
    assert ok(steps, "introspection_before_revocation")["response"]["active"] is True
    ok(steps, "revocation")
    assert ok(steps, "introspection_after_revocation")["response"] == {"active": False}
    after = steps["userinfo_after_revocation"]  # a WWW-Authenticate challenge
    assert not after["ok"] and after.get("status") == 401, json.dumps(after, indent=2)
    assert after["cause"][0]["parameters"]["error"] == "invalid_token", json.dumps(after, indent=2)

    # The spent refresh token is refused, and replaying it revoked the whole family.
    rejected(steps, "reuse_old_refresh_token", "invalid_grant")
    rejected(steps, "refresh_after_replay", "invalid_grant")
