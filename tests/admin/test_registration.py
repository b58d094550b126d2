"""Dynamic client registration (RFC 7591) and its management (RFC 7592), as a third-party
relying party lives them: off by default, behind the initial access token when on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.config import AdminSettings, LogoutSettings, OutboundSettings
from idp.db import db
from idp.models import AuditEvent, OAuthClient
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser
from tests.admin.new_clients import code_flow, relying_party
from tests.admin.service_caller import database
from tests.conftest import LiveServer, build_app, free_port, make_settings
from tests.conftest import serve_app as serve

INITIAL_TOKEN = "initial-access-token-0123456789abcdefgh"
CALLBACK = "https://pharmacie.example.org/callback"
METADATA = {
    "client_name": "Pharmacie partenaire",
    "redirect_uris": [CALLBACK],
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "token_endpoint_auth_method": "client_secret_basic",
    "scope": "openid profile email",
    "client_uri": "https://pharmacie.example.org/",
    "logo_uri": "https://pharmacie.example.org/logo.png",  # not understood: ignored (RFC 7591 §2)
}


def serve_provider(
    database_url: str, registration_token: str = "", outbound_allow: str = ""
) -> Iterator[LiveServer]:
    """No outbound allow-list by default: a third party's URL on our network is refused."""
    port = free_port()
    settings = make_settings(
        database_url,
        issuer=f"http://127.0.0.1:{port}",
        logout=LogoutSettings(backchannel_workers=0),
        admin=AdminSettings(registration_token=registration_token),
        outbound=OutboundSettings(allow=outbound_allow),
    )
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve(app, port) as served:
        yield served


@pytest.fixture
def idp_server(database_url: str) -> Iterator[LiveServer]:
    yield from serve_provider(database_url, INITIAL_TOKEN)


@pytest.fixture
def idp_off(database_url: str) -> Iterator[LiveServer]:
    yield from serve_provider(database_url)


def register(server: LiveServer, metadata: dict, token: str | None = INITIAL_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{server.url}/register", json=metadata, headers=headers, timeout=10)


def manage(method: str, uri: str, token: str, metadata: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, uri, json=metadata, headers=headers, timeout=10)


def registered(server: LiveServer) -> dict:
    response = register(server, METADATA)
    assert response.status_code == 201, response.text
    return response.json()


def client_count(server: LiveServer) -> int:
    with database(server.app):
        return len(db.session.scalars(select(OAuthClient.client_id)).all())


def test_off_by_default(idp_off: LiveServer) -> None:
    assert "registration_endpoint" not in idp_off.discovery()
    response = register(idp_off, METADATA)
    assert response.status_code == 404
    assert manage("GET", f"{idp_off.url}/register/anything", INITIAL_TOKEN).status_code == 404


def test_discovery_names_the_endpoint_when_on(idp_server: LiveServer) -> None:
    assert idp_server.discovery()["registration_endpoint"] == f"{idp_server.url}/register"


@pytest.mark.parametrize("token", [None, "wrong-initial-token-0123456789abcdefgh", "initial"])
def test_a_wrong_initial_token_is_refused(idp_server: LiveServer, token: str | None) -> None:
    before = client_count(idp_server)
    response = register(idp_server, METADATA, token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client_count(idp_server) == before


def test_a_registered_client_signs_members_in_at_once(
    idp_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = register(idp_server, METADATA)
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["client_secret_expires_at"] == 0 and len(body["client_secret"]) >= 43
    assert body["client_id_issued_at"] > 0 and body["registration_access_token"]
    assert body["registration_client_uri"] == f"{idp_server.url}/register/{body['client_id']}"
    assert body["redirect_uris"] == [CALLBACK] and body["scope"] == "openid profile email"
    assert body["client_name"] == "Pharmacie partenaire" and "logo_uri" not in body

    rp = relying_party(monkeypatch, idp_server, body["client_id"], body["client_secret"], CALLBACK)
    tokens = code_flow(Browser(idp_server.url), rp)  # a third party: the member consents
    assert "refresh_token" in tokens

    with database(idp_server.app):
        row = db.session.get(OAuthClient, body["client_id"])
        assert row is not None and row.managed_by == "registration"
        assert row.settings["consent"] == "explicit" and row.settings["second_factor"] == "always"
        assert body["registration_access_token"] not in str(row.registration_token_hash)
        (event,) = db.session.scalars(select(AuditEvent).filter_by(event="client.created"))
        assert event.actor == "registration" and event.client_id == body["client_id"]


def test_a_self_registered_name_is_not_taken_at_its_word(
    idp_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third party may call itself after the mutual's own portal: the consent page says
    where the data goes and that the mutual does not provide the service."""
    body = register(idp_server, {**METADATA, "client_name": "Espace santé"}).json()
    rp = relying_party(monkeypatch, idp_server, body["client_id"], body["client_secret"], CALLBACK)
    browser = Browser(idp_server.url)
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response)
    consent = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(consent, requests.Response) and "/consent" in consent.text
    assert "« Espace santé » demande l&#39;accès" in consent.text
    assert "Vos informations seront envoyées au site pharmacie.example.org." in consent.text
    assert "Ce service n&#39;est pas proposé par" in consent.text


def test_a_third_party_registers_a_handful_of_redirects_and_none_on_loopback(
    idp_server: LiveServer,
) -> None:
    before = client_count(idp_server)
    many = [f"https://pharmacie.example.org/cb{i}" for i in range(11)]
    for change, field in (
        ({"redirect_uris": many}, "redirect_uris"),
        ({"post_logout_redirect_uris": many}, "post_logout_redirect_uris"),
        ({"redirect_uris": ["http://127.0.0.1:5007/callback"]}, "redirect_uris"),
        ({"redirect_uris": ["http://localhost/cb"]}, "redirect_uris"),
    ):
        answer = register(idp_server, {**METADATA, **change})
        assert answer.status_code == 400, answer.text
        assert field in answer.json()["error_description"]
    assert client_count(idp_server) == before
    # A public native app may use loopback (RFC 8252 §7.3), and ten URIs are fine.
    native = {**METADATA, "token_endpoint_auth_method": "none",
              "redirect_uris": ["http://127.0.0.1/cb", *many[:9]]}  # fmt: skip
    assert register(idp_server, native).status_code == 201


def test_a_public_native_client(idp_server: LiveServer) -> None:
    response = register(
        idp_server,
        {
            **METADATA,
            "token_endpoint_auth_method": "none",
            "redirect_uris": ["fr.pharmacie.app:/cb"],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in body and "client_secret_expires_at" not in body


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        (
            {"redirect_uris": ["http://pharmacie.example.org/cb"]},
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris"),
        (
            {"redirect_uris": ["https://pharmacie.example.org/cb#x"]},
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        ({"scope": "openid idp:admin"}, "invalid_client_metadata", "scope"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata", "grant_types"),
        ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
        (
            {"token_endpoint_auth_method": "private_key_jwt"},
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        ({"client_name": ""}, "invalid_client_metadata", "client_name"),
        (
            {"backchannel_logout_uri": "http://rp.example.org/bc"},
            "invalid_client_metadata",
            "backchannel_logout_uri",
        ),
        # idp POSTs to it: never to loopback or an address of our own network.
        *(
            ({"backchannel_logout_uri": uri}, "invalid_client_metadata", "backchannel_logout_uri")
            for uri in (
                "http://127.0.0.1:6379/bc",
                "https://localhost/bc",
                "https://10.0.0.5/bc",
                "https://[::1]/bc",
            )
        ),
    ],
)
def test_invalid_metadata_is_refused(
    idp_server: LiveServer, change: dict, error: str, field: str
) -> None:
    before = client_count(idp_server)
    response = register(idp_server, {**METADATA, **change})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == error and f"'{field}'" in body["error_description"], body
    assert client_count(idp_server) == before


def test_the_body_must_be_json(idp_server: LiveServer) -> None:
    response = requests.post(
        f"{idp_server.url}/register",
        data="redirect_uris=x",
        headers={"Authorization": f"Bearer {INITIAL_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


# --- RFC 7592: the registration access token manages its client ------------------------------


def test_read_update_and_delete_with_the_registration_token(
    idp_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = registered(idp_server)
    uri, token = body["registration_client_uri"], body["registration_access_token"]

    read = manage("GET", uri, token)
    assert read.status_code == 200 and read.headers["Cache-Control"] == "no-store"
    assert read.json()["client_id"] == body["client_id"] and "client_secret" not in read.json()
    assert read.json()["registration_access_token"] == token

    new_callback = "https://pharmacie.example.org/callback2"
    update = {
        **METADATA,
        "client_id": body["client_id"],
        "redirect_uris": [new_callback],
        "client_secret": body["client_secret"],
    }
    del update["client_uri"]
    updated = manage("PUT", uri, token, update)
    assert updated.status_code == 200, updated.text
    assert updated.json()["redirect_uris"] == [new_callback]
    assert "client_uri" not in updated.json()  # left out of a PUT: back to its default
    rp = relying_party(
        monkeypatch, idp_server, body["client_id"], body["client_secret"], new_callback
    )
    code_flow(Browser(idp_server.url), rp)

    deleted = manage("DELETE", uri, token)
    assert deleted.status_code == 204
    assert manage("GET", uri, token).status_code == 401  # RFC 7592 §2.1: gone is 401
    changes = select(AuditEvent.event, AuditEvent.actor).where(AuditEvent.event.like("client.%"))
    with database(idp_server.app):
        actors = [tuple(row) for row in db.session.execute(changes.order_by(AuditEvent.id))]
    who = f"registration:{body['client_id']}"
    assert actors == [
        ("client.created", "registration"),
        ("client.updated", who),
        ("client.deleted", who),
    ]


def test_another_token_is_refused(idp_server: LiveServer) -> None:
    first, second = registered(idp_server), registered(idp_server)
    uri = first["registration_client_uri"]
    for token in (second["registration_access_token"], INITIAL_TOKEN, "garbage"):
        for method in ("GET", "PUT", "DELETE"):
            response = manage(method, uri, token, {**METADATA, "client_id": first["client_id"]})
            assert response.status_code == 401, (method, token)
            assert response.json()["error"] == "invalid_token"
    assert manage("GET", uri, first["registration_access_token"]).status_code == 200


def test_registration_tokens_manage_only_registered_clients(idp_server: LiveServer) -> None:
    token = registered(idp_server)["registration_access_token"]
    response = manage("GET", f"{idp_server.url}/register/health-portal", token)
    assert response.status_code == 401


def test_update_rules(idp_server: LiveServer) -> None:
    body = registered(idp_server)
    uri, token = body["registration_client_uri"], body["registration_access_token"]
    cases = [
        ({**METADATA}, "client_id"),  # RFC 7592 §2.2: the client_id is required
        ({**METADATA, "client_id": "someone-else"}, "client_id"),
        (
            {**METADATA, "client_id": body["client_id"], "client_secret": "not-the-secret"},
            "client_secret",
        ),
        (
            {**METADATA, "client_id": body["client_id"], "token_endpoint_auth_method": "none"},
            "token_endpoint_auth_method",
        ),
        (
            {**METADATA, "client_id": body["client_id"], "redirect_uris": ["http://x.example/cb"]},
            "redirect_uris",
        ),
    ]
    for metadata, field in cases:
        response = manage("PUT", uri, token, metadata)
        assert response.status_code == 400, (field, response.text)
        assert f"'{field}'" in response.json()["error_description"], response.json()
    assert manage("GET", uri, token).json()["redirect_uris"] == [CALLBACK]
