"""Relying parties registered while the tests run (admin API, dynamic registration), and the
member's sign-in at them, consent page included."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import requests

from tests.actors import (
    CLIENTS,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    form_action,
    form_fields,
    jwt_claims,
)
from tests.conftest import LiveServer


def relying_party(
    monkeypatch: pytest.MonkeyPatch,
    server: LiveServer,
    client_id: str,
    secret: str | None,
    redirect_uri: str,
    scope: str = "openid profile email",
) -> RelyingParty:
    """Authlib's client for a client the provider learned about during the test."""
    monkeypatch.setitem(CLIENTS, client_id, (secret, redirect_uri))
    return RelyingParty(server.url, client_id, scope=scope)


def code_flow(browser: Browser, rp: RelyingParty) -> dict:
    """Authorization code flow with PKCE: password, one-time code, consent when asked; then
    the tokens, with the ID token checked against the published keys."""
    result = browser.go(rp.authorize_url())
    assert isinstance(result, requests.Response) and result.status_code == 200, result
    result = browser.submit_password(result, DEMO_NUMBER, DEMO_PASSWORD)
    if isinstance(result, requests.Response) and "/consent" in result.text:
        action = urljoin(result.url, form_action(result.text, "/consent"))
        result = browser.go(action, "POST", {"csrf_token": form_fields(result.text)["csrf_token"]})
    assert isinstance(result, str), f"expected a redirect to the client, got {result}"
    tokens = rp.fetch_token(result)
    _, claims = jwt_claims(tokens["id_token"], rp.issuer)
    assert claims["aud"] == rp.client_id and claims["nonce"] == rp.nonce
    return tokens


def client_credentials(server: LiveServer, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        server.discovery()["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
