"""The demo portals of examples/ against a live provider: sign-in, single sign-on from one
portal to the other, the back-channel logout receiver, and the RP-initiated logout request.

The portals run on free ports, registered in a copy of tests/clients.yaml; the logout tokens
are signed here with the provider's own active key (or a stranger's, to be refused)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from werkzeug.serving import make_server

from examples.demo_portal import BACKCHANNEL_LOGOUT_EVENT, PortalState, SessionStore
from examples.health_portal import create_app as create_health_portal
from examples.provident_portal import create_app as create_provident_portal
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, form_fields, query
from tests.conftest import (
    CLIENT_SECRETS,
    TEST_CLIENTS_FILE,
    LiveServer,
    build_app,
    free_port,
    make_settings,
    serve_app,
)

DROP = object()  # a claim or header to leave out of a crafted logout token


@dataclass
class Portal:
    app: Flask
    url: str
    client_id: str

    @property
    def state(self) -> PortalState:
        return self.app.extensions["demo_portal"]

    @property
    def sessions(self) -> SessionStore:
        return self.state.sessions


@dataclass
class Demo:
    provider: LiveServer
    health: Portal
    provident: Portal


@contextmanager
def serve_portal(app: Flask, port: int) -> Iterator[None]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def distinct_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return list(ports)


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[Demo]:
    """The provider with the demo member, and both portals registered on their own ports."""
    from idp.accounts.directory import ensure_demo_member
    from idp.runtime import runtime

    idp_port, health_port, provident_port = distinct_ports(3)
    health_url = f"http://127.0.0.1:{health_port}"
    provident_url = f"http://127.0.0.1:{provident_port}"
    clients = TEST_CLIENTS_FILE.read_text(encoding="utf-8")
    assert "http://127.0.0.1:5001/" in clients and "http://127.0.0.1:5002/" in clients
    clients_file = tmp_path / "clients.yaml"
    clients_file.write_text(
        clients.replace("http://127.0.0.1:5001/", f"{health_url}/").replace(
            "http://127.0.0.1:5002/", f"{provident_url}/"
        ),
        encoding="utf-8",
    )
    issuer = f"http://127.0.0.1:{idp_port}"
    app = build_app(make_settings(database_url, issuer=issuer, clients_file=str(clients_file)))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    health_app = create_health_portal(
        issuer=issuer,
        portal_url=health_url,
        other_portal_url=provident_url,
        client_secret=CLIENT_SECRETS["IDP_TEST_SECRET_HEALTH_PORTAL"],
    )
    provident_app = create_provident_portal(
        issuer=issuer,
        portal_url=provident_url,
        other_portal_url=health_url,
        client_secret=CLIENT_SECRETS["IDP_TEST_SECRET_PROVIDENT_PORTAL"],
    )
    with (
        serve_app(app, idp_port) as provider,
        serve_portal(health_app, health_port),
        serve_portal(provident_app, provident_port),
    ):
        yield Demo(
            provider,
            Portal(health_app, health_url, "health-portal"),
            Portal(provident_app, provident_url, "provident-portal"),
        )


def sign_in(browser: Browser, portal: Portal) -> str:
    """Sign in at ``portal`` through the provider's pages; the portal's home page."""
    page = browser.go(f"{portal.url}/login")
    assert isinstance(page, requests.Response), f"expected the sign-in page, went to {page}"
    callback = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    return finish_at(browser, portal, callback)


def finish_at(browser: Browser, portal: Portal, callback: Any) -> str:
    assert isinstance(callback, str), f"expected a redirect to the portal, got {callback}"
    assert callback.startswith(f"{portal.url}/auth/callback?"), callback
    landed = browser.http.get(callback, allow_redirects=False, timeout=10)
    assert landed.status_code == 302, landed.text
    assert landed.headers["Location"] == "/"
    return home(browser, portal)


def home(browser: Browser, portal: Portal) -> str:
    response = browser.http.get(f"{portal.url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.text


def signed_in(page: str) -> bool:
    return "Se déconnecter" in page and "Camille Martin" in page


def signed_in_demo(demo: Demo) -> tuple[Browser, str]:
    """A browser signed in at the health portal; the provider's session id (``sid``)."""
    browser = Browser(demo.provider.url)
    assert signed_in(sign_in(browser, demo.health))
    [user] = demo.health.sessions.signed_in()
    return browser, user["sid"]


def logout_token(demo: Demo, portal: Portal, sign_with: Any = None,
                 header: dict[str, Any] | None = None, **claims: Any) -> str:  # fmt: skip
    """A logout token for ``portal`` signed with the provider's active key (or ``sign_with``);
    ``header`` / ``claims`` override the defaults, ``DROP`` removes one."""
    app = demo.provider.app
    with app.app_context():
        keys = app.extensions["idp"].keys.current()
    now = int(time.time())
    body = {
        "iss": demo.provider.url,
        "aud": portal.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        **claims,
    }
    head = {"alg": keys.signing_alg, "kid": keys.signing_kid, "typ": "logout+jwt", **(header or {})}
    return jwt.encode(
        {k: v for k, v in head.items() if v is not DROP},
        {k: v for k, v in body.items() if v is not DROP},
        sign_with or keys.signing_key,
        algorithms=["RS256", "ES256"],
    )


def post_logout_token(portal: Portal, token: str, path: str = "/auth/backchannel-logout"):
    return requests.post(f"{portal.url}{path}", data={"logout_token": token}, timeout=10)


def test_sign_in_then_single_sign_on_to_the_other_portal(demo: Demo) -> None:
    browser = Browser(demo.provider.url)
    first = home(browser, demo.health)
    assert "Se connecter" in first and "Se déconnecter" not in first

    page = sign_in(browser, demo.health)
    assert signed_in(page)
    for shown in ("100000001", "Santé", "Prévoyance", "pwd", "otp", "urn:idp:acr:mfa"):
        assert shown in page, shown
    assert f'href="{demo.provident.url}/login"' in page
    assert "Aller à l&#39;espace prévoyance" in page

    # The provident portal: straight back from the provider, nothing typed.
    callback = browser.go(f"{demo.provident.url}/login")
    page = finish_at(browser, demo.provident, callback)
    assert signed_in(page)
    assert "Aller à l&#39;espace santé" in page
    [health_user] = demo.health.sessions.signed_in()
    [provident_user] = demo.provident.sessions.signed_in()
    assert health_user["sid"] and health_user["sid"] == provident_user["sid"]
    assert health_user["sub"] == provident_user["sub"]
    # Each portal has its own cookie; none holds more than a random id.
    names = {cookie.name for cookie in browser.http.cookies}
    assert {"health_portal_session", "provident_portal_session"} <= names

    # Signed in already: /login goes home.
    again = browser.http.get(f"{demo.provident.url}/login", allow_redirects=False, timeout=10)
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_back_channel_logout_ends_the_local_sessions_of_the_provider_session(demo: Demo) -> None:
    browser, sid = signed_in_demo(demo)
    assert signed_in(finish_at(browser, demo.provident, browser.go(f"{demo.provident.url}/login")))

    response = post_logout_token(demo.health, logout_token(demo, demo.health, sid=sid))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Se connecter" in home(browser, demo.health)
    assert demo.health.sessions.signed_in() == []
    # The other portal ends its own when its token comes.
    assert signed_in(home(browser, demo.provident))

    [user] = demo.provident.sessions.signed_in()
    token = logout_token(demo, demo.provident, sub=user["sub"])  # sub alone: all the member's
    response = post_logout_token(demo.provident, token, path="/backchannel-logout")
    assert response.status_code == 200
    assert "Se connecter" in home(browser, demo.provident)

    # A session the portal does not know: still 200.
    response = post_logout_token(demo.health, logout_token(demo, demo.health, sid="unknown"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("claims", "header"),
    [
        pytest.param({"nonce": "n-0123"}, {}, id="nonce"),
        pytest.param({"aud": "provident-portal"}, {}, id="wrong-aud"),
        pytest.param({"aud": ["mobile-app", "someone"]}, {}, id="wrong-aud-list"),
        pytest.param({"iss": "http://127.0.0.1:1"}, {}, id="wrong-iss"),
        pytest.param({"events": DROP}, {}, id="no-events"),
        pytest.param({"events": {"http://example.org/other": {}}}, {}, id="other-event"),
        pytest.param({"sid": DROP}, {}, id="no-sid-no-sub"),
        pytest.param({"iat": DROP}, {}, id="no-iat"),
        pytest.param({"iat": int(time.time()) - 3600, "exp": 4102444800}, {}, id="old-iat"),
        pytest.param({"exp": int(time.time()) - 600}, {}, id="expired"),
        pytest.param({"jti": DROP}, {}, id="no-jti"),
        pytest.param({}, {"typ": "JWT"}, id="wrong-typ"),
        pytest.param({}, {"kid": "not-a-provider-key"}, id="unknown-kid"),
    ],
)
def test_back_channel_logout_refuses_invalid_tokens(
    demo: Demo, claims: dict[str, Any], header: dict[str, Any]
) -> None:
    browser, sid = signed_in_demo(demo)
    token = logout_token(demo, demo.health, header=header, **{"sid": sid, **claims})
    response = post_logout_token(demo.health, token)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    assert response.headers["Cache-Control"] == "no-store"
    assert signed_in(home(browser, demo.health))


def test_back_channel_logout_refuses_a_bad_signature_and_a_replay(demo: Demo) -> None:
    browser, sid = signed_in_demo(demo)
    app = demo.provider.app
    with app.app_context():
        alg = app.extensions["idp"].keys.current().signing_alg
    stranger = (
        ECKey.generate_key("P-256", private=True)
        if alg == "ES256"
        else RSAKey.generate_key(2048, private=True)
    )
    forged = logout_token(demo, demo.health, sign_with=stranger, sid=sid)
    for bad in (forged, forged[:-4] + "AAAA", "not-a-jwt", ""):
        response = post_logout_token(demo.health, bad)
        assert response.status_code == 400, bad
        assert response.json() == {"error": "invalid_request"}
    assert signed_in(home(browser, demo.health))

    # A valid token is taken once; the same jti again is refused.
    token = logout_token(demo, demo.health, sid=sid)
    assert post_logout_token(demo.health, token).status_code == 200
    assert "Se connecter" in home(browser, demo.health)
    # Back at the portal through the provider's session (same sid): the replay ends nothing.
    assert signed_in(finish_at(browser, demo.health, browser.go(f"{demo.health.url}/login")))
    assert [u["sid"] for u in demo.health.sessions.signed_in()] == [sid]
    replay = post_logout_token(demo.health, token)
    assert replay.status_code == 400 and replay.json() == {"error": "invalid_request"}
    assert signed_in(home(browser, demo.health))


def test_logout_at_one_portal_signs_the_member_out_of_both(demo: Demo) -> None:
    """RP-initiated logout at the health portal, through the provider's end_session_endpoint;
    the provider's back-channel logout token ends the provident portal's session."""
    browser, _ = signed_in_demo(demo)
    assert signed_in(finish_at(browser, demo.provident, browser.go(f"{demo.provident.url}/login")))
    endpoint = demo.provider.discovery()["end_session_endpoint"]
    page = home(browser, demo.health)

    refused = browser.http.post(
        f"{demo.health.url}/logout", data={"csrf_token": "forged"}, allow_redirects=False
    )
    assert refused.status_code == 400
    assert signed_in(home(browser, demo.health))

    response = browser.http.post(
        f"{demo.health.url}/logout",
        data={"csrf_token": form_fields(page)["csrf_token"]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.split("?")[0] == endpoint
    params = query(location)
    assert params["client_id"] == "health-portal"
    assert params["post_logout_redirect_uri"] == f"{demo.health.url}/"
    assert params["state"]
    with demo.provider.app.app_context():
        keys = demo.provider.app.extensions["idp"].keys.current()
    hint = jwt.decode(params["id_token_hint"], keys.verification)
    assert hint.claims["aud"] == "health-portal"
    # The local session is over at once.
    assert demo.health.sessions.signed_in() == []
    assert "Se connecter" in home(browser, demo.health)

    # The provider ends its session and sends the browser back with the state.
    back = browser.go(location)
    assert back == f"{demo.health.url}/?state={params['state']}", back
    assert "Vous êtes déconnecté" not in home(browser, demo.health)  # no state, nothing said
    assert "Vous êtes déconnecté" in browser.http.get(back, timeout=10).text
    # The provident portal hears of it from the provider (back-channel, delivered in the
    # background).
    deadline = time.monotonic() + 10
    while demo.provident.sessions.signed_in() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Se connecter" in home(browser, demo.provident)
    # And the provider's session is over: signing in again asks for the password.
    again = browser.go(f"{demo.provident.url}/login")
    assert isinstance(again, requests.Response) and 'name="password"' in again.text


def test_callback_refuses_a_response_from_elsewhere(demo: Demo) -> None:
    browser = Browser(demo.provider.url)
    callback = f"{demo.health.url}/auth/callback"
    wrong_iss = browser.http.get(
        callback, params={"code": "x", "state": "y", "iss": "http://evil.example"}, timeout=10
    )
    assert wrong_iss.status_code == 400 and "La connexion a échoué" in wrong_iss.text
    unknown_state = browser.http.get(
        callback, params={"code": "x", "state": "y", "iss": demo.provider.url}, timeout=10
    )
    assert unknown_state.status_code == 400
    denied = browser.http.get(
        callback,
        params={"error": "access_denied", "state": "y", "iss": demo.provider.url},
        timeout=10,
    )
    assert denied.status_code == 400 and "annulé" in denied.text


def test_an_ended_session_is_not_brought_back() -> None:
    store = SessionStore()
    local_id = store.save(None, {"user": {"sid": "s1", "sub": "m1"}})
    assert local_id is not None
    assert store.end_provider_session("s1") == 1
    assert store.save(local_id, {"user": {"sid": "s1", "sub": "m1"}}) is None
    assert store.load(local_id) is None and store.signed_in() == []
