"""The admin API's clients (issue 7 §3), called over HTTP with real access tokens from the
token endpoint, as an administration service would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import fakeredis
import pytest
import requests
from sqlalchemy import select

import idp as idp_package
from idp.accounts.directory import ensure_demo_member
from idp.config import LogoutSettings
from idp.db import db
from idp.models import AuditEvent, OAuthClient
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty, sign_in_tokens
from tests.admin.new_clients import client_credentials, code_flow, relying_party
from tests.admin.service_caller import (
    ADMIN_SERVICE,
    SUPPORT_SERVICE,
    AdminApi,
    database,
    events_named,
    provider,
)
from tests.conftest import CLIENT_SECRETS, LiveServer, build_app, free_port, make_settings
from tests.conftest import serve_app as serve

ACTOR = "client:admin-service"
NEW_PORTAL = {
    "client_id": "new-portal",
    "name": "Nouveau portail",
    "type": "confidential",
    "redirect_uris": ["http://127.0.0.1:5005/callback"],
    "scopes": ["openid", "profile", "email"],
}
BATCH = {
    "client_id": "batch-service",
    "name": "Batch service",
    "type": "confidential",
    "grant_types": ["client_credentials"],
    "scopes": ["idp:reporting"],
}
HEALTH_SECRET = CLIENT_SECRETS["IDP_TEST_SECRET_HEALTH_PORTAL"]


@pytest.fixture
def idp_server(database_url: str) -> Iterator[LiveServer]:
    with provider(database_url) as served:
        yield served


@pytest.fixture
def admin(idp_server: LiveServer) -> AdminApi:
    return AdminApi.as_service(idp_server, ADMIN_SERVICE)


def create(admin: AdminApi, body: dict) -> dict:
    response = admin.call("POST", "/clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def stored(server: LiveServer, client_id: str) -> OAuthClient | None:
    with database(server.app):
        row = db.session.get(OAuthClient, client_id)
        if row is not None:
            db.session.expunge(row)
        return row


def client_ids(server: LiveServer) -> set[str]:
    with database(server.app):
        return set(db.session.scalars(select(OAuthClient.client_id)))


# --- who may call ----------------------------------------------------------------------------

ROUTES = [
    ("GET", "/clients"),
    ("POST", "/clients"),
    ("GET", "/clients/batch-service"),
    ("PATCH", "/clients/batch-service"),
    ("POST", "/clients/batch-service/rotate-secret"),
    ("POST", "/clients/batch-service/disable"),
    ("POST", "/clients/batch-service/enable"),
    ("DELETE", "/clients/batch-service"),
]


def test_support_cannot_touch_clients(idp_server: LiveServer, admin: AdminApi) -> None:
    created = create(admin, BATCH)
    support = AdminApi.as_service(idp_server, SUPPORT_SERVICE)
    for method, path in ROUTES:
        response = support.call(method, path, json={**NEW_PORTAL, "name": "Changed"})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "insufficient_scope"
    assert "new-portal" not in client_ids(idp_server)
    after = admin.get("/clients/batch-service").json()
    assert after == {k: v for k, v in created.items() if k != "client_secret"}
    assert client_credentials(idp_server, "batch-service", created["client_secret"]).ok


def test_a_member_token_is_refused(idp_server: LiveServer) -> None:
    portal = RelyingParty(idp_server.url, "health-portal")
    tokens = sign_in_tokens(Browser(idp_server.url), portal)
    member = AdminApi(f"{idp_server.url}/admin/api", tokens["access_token"])
    for method, path in ROUTES:
        response = member.call(method, path, json=NEW_PORTAL)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "forbidden"
    assert "new-portal" not in client_ids(idp_server)


@pytest.mark.parametrize("token", [None, "garbage", "eyJhbGciOiJub25lIn0.e30."])
def test_no_token_or_a_bad_one_is_refused(idp_server: LiveServer, token: str | None) -> None:
    anonymous = AdminApi(f"{idp_server.url}/admin/api", token)
    for method, path in ROUTES:
        response = anonymous.call(method, path, json=NEW_PORTAL)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "invalid_token"


# --- a new client works at once, on every instance --------------------------------------------


@contextmanager
def two_instances(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two providers on the same database and the same Redis, as behind a load balancer.
    Without IDP_TEST_REDIS_URL each app would get its own in-process Redis: they share one
    fakeredis server instead (one connection each, as two processes would have)."""
    if not os.environ.get("IDP_TEST_REDIS_URL"):
        shared = fakeredis.FakeServer()
        monkeypatch.setattr(
            idp_package, "connect", lambda *_, **__: fakeredis.FakeRedis(server=shared)
        )
    ports = free_port(), free_port()
    apps = [
        build_app(
            make_settings(
                database_url,
                issuer=f"http://127.0.0.1:{port}",
                logout=LogoutSettings(backchannel_workers=0),
            )
        )
        for port in ports
    ]
    with apps[0].app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve(apps[0], ports[0]) as first, serve(apps[1], ports[1]) as second:
        yield first, second


def test_a_created_client_signs_in_at_once_on_another_instance(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with two_instances(database_url, monkeypatch) as (first, second):
        browser = Browser(second.url)
        unknown = relying_party(
            monkeypatch, second, "new-portal", "x" * 43, NEW_PORTAL["redirect_uris"][0]
        )
        # The second instance has looked for this client and remembers it does not exist.
        refused = browser.go(unknown.authorize_url())
        assert not isinstance(refused, str) and refused.status_code == 400

        created = create(AdminApi.as_service(first, ADMIN_SERVICE), NEW_PORTAL)

        rp = relying_party(
            monkeypatch,
            second,
            "new-portal",
            created["client_secret"],
            NEW_PORTAL["redirect_uris"][0],
        )
        tokens = code_flow(browser, rp)
        assert rp.userinfo(tokens["access_token"]).json()["email"] == "camille.martin@example.org"


# --- create, show, list -----------------------------------------------------------------------


def test_create_shows_the_secret_once_and_stores_only_its_digest(
    idp_server: LiveServer, admin: AdminApi
) -> None:
    response = admin.call("POST", "/clients", json=NEW_PORTAL)
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"].endswith("/admin/api/clients/new-portal")
    body = response.json()
    secret = body.pop("client_secret")
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    assert body["managed_by"] == "api" and body["disabled"] is False
    assert body["redirect_uris"] == NEW_PORTAL["redirect_uris"]
    assert body["second_factor"] == "always" and body["consent"] == "implicit"
    assert body["secret_rotation_grace_until"] is None

    shown = admin.get("/clients/new-portal")
    assert shown.status_code == 200 and shown.json() == body
    listed = admin.get("/clients").json()["clients"]
    assert {c["client_id"]: c["managed_by"] for c in listed}["health-portal"] == "file"
    assert body in listed
    for answer in (shown.text, admin.get("/clients").text):
        assert secret not in answer and "secret_hash" not in answer
    row = stored(idp_server, "new-portal")
    assert row is not None and row.secret_hash != secret and secret not in str(row.settings)


def test_client_id_is_generated_when_absent(admin: AdminApi) -> None:
    body = create(admin, {k: v for k, v in NEW_PORTAL.items() if k != "client_id"})
    assert admin.get(f"/clients/{body['client_id']}").status_code == 200


def test_a_public_client_gets_no_secret(admin: AdminApi) -> None:
    body = create(
        admin,
        {
            "client_id": "native",
            "name": "Native",
            "type": "public",
            "redirect_uris": ["fr.example.native:/cb"],
        },
    )
    assert "client_secret" not in body and body["require_pkce"] is True
    rotated = admin.post("/clients/native/rotate-secret")
    assert rotated.status_code == 400 and "type" in rotated.json()["problems"][0]


def test_an_existing_client_id_is_a_conflict(idp_server: LiveServer, admin: AdminApi) -> None:
    create(admin, BATCH)
    before = stored(idp_server, "health-portal")
    for client_id in ("batch-service", "health-portal"):
        response = admin.call("POST", "/clients", json={**BATCH, "client_id": client_id})
        assert response.status_code == 409 and response.json()["error"] == "conflict"
    after = stored(idp_server, "health-portal")
    assert before and after and (before.name, before.settings) == (after.name, after.settings)
    assert len(events_named(idp_server.app, "client.created")) == 1


def test_unknown_client_is_404(admin: AdminApi) -> None:
    for method, path in ROUTES[2:]:
        response = admin.call(method, path.replace("batch-service", "nobody"), json={})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"


# --- invalid metadata -------------------------------------------------------------------------

INVALID = [
    ({"redirect_uris": ["http://portal.example.org/cb"]}, "redirect_uris", "https"),
    ({"scopes": ["openid", "admin"]}, "scopes", "unknown scope"),
    ({"type": "public", "grant_types": ["client_credentials"]}, "grant_types", "public"),
    ({"secret_env": "SOME_SECRET"}, "secret_env", "generates"),
    ({"secret": "hunter2-hunter2-hunter2-hunter2-hunter2"}, "secret", "generates"),
    ({"colour": "blue"}, "colour", "unknown field"),
    ({"name": ""}, "name", "required"),
    ({"access_token_ttl": -1}, "access_token_ttl", "from 30 to 86400"),
    ({"access_token_ttl": 10**12}, "access_token_ttl", "from 30 to 86400"),
    ({"refresh_token_ttl": 10**9}, "refresh_token_ttl", "from 60 to 34560000"),
    (
        {"access": {"requires_contract": "health", "suggest_client": "nobody"}},
        "access.suggest_client",
        "no client",
    ),
]


@pytest.mark.parametrize(("change", "field", "reason"), INVALID)
def test_invalid_metadata_is_refused_naming_the_field(
    idp_server: LiveServer, admin: AdminApi, change: dict, field: str, reason: str
) -> None:
    before = client_ids(idp_server)
    response = admin.call("POST", "/clients", json={**NEW_PORTAL, **change})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_client_metadata" and body["message"]
    assert any(f"field '{field}'" in p and reason in p for p in body["problems"]), body
    assert client_ids(idp_server) == before
    assert events_named(idp_server.app, "client.created") == []


INVALID_CHANGES = [case for case in INVALID if "type" not in case[0]] + [
    ({"grant_types": ["authorization_code", "password"]}, "grant_types", "unknown grant type"),
    ({"redirect_uris": []}, "redirect_uris", "at least one"),
]


@pytest.mark.parametrize(("change", "field", "reason"), INVALID_CHANGES)
def test_invalid_changes_are_refused_and_change_nothing(
    idp_server: LiveServer, admin: AdminApi, change: dict, field: str, reason: str
) -> None:
    created = create(admin, NEW_PORTAL)
    del created["client_secret"]
    response = admin.patch("/clients/new-portal", change)
    assert response.status_code == 400, response.text
    problems = response.json()["problems"]
    assert any(f"field '{field}'" in p and reason in p for p in problems), problems
    assert admin.get("/clients/new-portal").json() == created
    assert events_named(idp_server.app, "client.updated") == []


def test_the_body_must_be_a_json_object(admin: AdminApi) -> None:
    for body in ([1, 2], "text"):
        response = admin.call("POST", "/clients", json=body)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"


# --- update, disable, delete ------------------------------------------------------------------


def test_update_is_validated_as_a_whole_and_audited_with_the_fields(
    idp_server: LiveServer, admin: AdminApi
) -> None:
    create(admin, NEW_PORTAL)
    response = admin.patch(
        "/clients/new-portal",
        {
            "redirect_uris": ["https://new.example.org/cb"],
            "consent": "explicit",
            "access_token_ttl": 120,
            "client_id": "new-portal",
            "name": "Nouveau portail",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["redirect_uris"] == ["https://new.example.org/cb"] and body["consent"] == "explicit"
    assert body["access_token_ttl"] == 120 and body["scopes"] == NEW_PORTAL["scopes"]
    (event,) = events_named(idp_server.app, "client.updated")
    assert event.actor == ACTOR and event.client_id == "new-portal"
    assert event.detail["fields"] == ["access_token_ttl", "consent", "redirect_uris"]
    # null puts a field back to its default; identity fields cannot change.
    reset = admin.patch("/clients/new-portal", {"access_token_ttl": None}).json()
    assert reset["access_token_ttl"] is None
    for change in ({"client_id": "other"}, {"type": "public"}):
        refused = admin.patch("/clients/new-portal", change)
        assert refused.status_code == 400 and "cannot be changed" in refused.text


def test_a_disabled_client_is_refused_everywhere_at_once(
    idp_server: LiveServer, admin: AdminApi
) -> None:
    secret = create(admin, BATCH)["client_secret"]
    assert client_credentials(idp_server, "batch-service", secret).status_code == 200
    disabled = admin.post("/clients/batch-service/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    refused = client_credentials(idp_server, "batch-service", secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert admin.post("/clients/batch-service/enable").json()["disabled"] is False
    assert client_credentials(idp_server, "batch-service", secret).status_code == 200


def test_delete(idp_server: LiveServer, admin: AdminApi) -> None:
    secret = create(admin, BATCH)["client_secret"]
    response = admin.delete("/clients/batch-service")
    assert response.status_code == 204 and response.text == ""
    assert admin.get("/clients/batch-service").status_code == 404
    assert client_credentials(idp_server, "batch-service", secret).status_code == 401
    assert stored(idp_server, "batch-service") is None


# --- secret rotation --------------------------------------------------------------------------


def test_the_previous_secret_works_during_the_grace_period_only(
    idp_server: LiveServer, admin: AdminApi
) -> None:
    old = create(admin, BATCH)["client_secret"]
    response = admin.post("/clients/batch-service/rotate-secret")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    new = body["client_secret"]
    assert new != old and len(new) >= 43
    assert body["secret_rotation_grace_until"].endswith("Z")
    shown = admin.get("/clients/batch-service").json()
    assert shown["secret_rotation_grace_until"] == body["secret_rotation_grace_until"]
    for secret in (old, new):
        assert client_credentials(idp_server, "batch-service", secret).status_code == 200

    runtime(idp_server.app).clock.advance(days=7, seconds=1)
    refused = client_credentials(idp_server, "batch-service", old)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert client_credentials(idp_server, "batch-service", new).status_code == 200
    assert admin.get("/clients/batch-service").json()["secret_rotation_grace_until"] is None
    (event,) = events_named(idp_server.app, "client.secret_rotated")
    assert event.actor == ACTOR and old not in str(event.detail) and new not in str(event.detail)


# --- clients.yaml is the source of its clients -----------------------------------------------


def test_file_managed_clients_are_read_only(idp_server: LiveServer, admin: AdminApi) -> None:
    before = stored(idp_server, "health-portal")
    for method, path, body in [
        ("PATCH", "/clients/health-portal", {"name": "Changed"}),
        ("POST", "/clients/health-portal/rotate-secret", None),
        ("POST", "/clients/health-portal/disable", None),
        ("POST", "/clients/health-portal/enable", None),
        ("DELETE", "/clients/health-portal", None),
    ]:
        response = admin.call(method, path, json=body)
        assert response.status_code == 409, (method, path, response.text)
        assert response.json()["error"] == "read_only"
        assert "clients.yaml" in response.json()["message"]
    after = stored(idp_server, "health-portal")
    assert before is not None and after is not None
    assert (after.name, after.settings, after.secret_hash, after.disabled) == (
        before.name,
        before.settings,
        before.secret_hash,
        before.disabled,
    )
    assert admin.get("/clients/health-portal").json()["managed_by"] == "file"
    with database(idp_server.app):
        changes = select(AuditEvent).where(AuditEvent.event.like("client.%"))
        assert db.session.scalars(changes).all() == []


# --- audit and description --------------------------------------------------------------------


def test_every_action_is_audited_with_its_actor_and_never_a_secret(
    idp_server: LiveServer, admin: AdminApi
) -> None:
    secret = create(admin, BATCH)["client_secret"]
    admin.patch("/clients/batch-service", {"name": "Batch"})
    rotated = admin.post("/clients/batch-service/rotate-secret").json()["client_secret"]
    admin.post("/clients/batch-service/disable")
    admin.post("/clients/batch-service/enable")
    admin.delete("/clients/batch-service")
    with database(idp_server.app):
        changes = select(AuditEvent).where(AuditEvent.event.like("client.%"))
        events = list(db.session.scalars(changes.order_by(AuditEvent.id)))
        seen = [(e.event, e.actor, e.client_id) for e in events]
        details = " ".join(str(e.detail) for e in events)
    assert seen == [
        (name, ACTOR, "batch-service")
        for name in (
            "client.created",
            "client.updated",
            "client.secret_rotated",
            "client.disabled",
            "client.enabled",
            "client.deleted",
        )
    ]
    assert secret not in details and rotated not in details


def test_the_openapi_document_lists_the_client_operations(idp_server: LiveServer) -> None:
    paths = requests.get(f"{idp_server.url}/admin/api/openapi.json", timeout=5).json()["paths"]
    expected = {
        "/clients": {"get", "post"},
        "/clients/{client_id}": {"get", "patch", "delete"},
        "/clients/{client_id}/rotate-secret": {"post"},
        "/clients/{client_id}/disable": {"post"},
        "/clients/{client_id}/enable": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        for method in methods:
            assert paths[path][method]["security"] == [{"oauth2": ["idp:admin"]}]
    assert "requestBody" in paths["/clients"]["post"]
