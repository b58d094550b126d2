"""``idp clients add|show|rotate-secret|disable|remove``: the same rules as the
admin API, the secret printed once, clear errors naming the field, exit 1 and nothing changed
on any error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask, current_app
from sqlalchemy import select

from idp.clients.registry import ClientRegistry
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, OAuthClient
from idp.runtime import runtime

SECRET_LINE = re.compile(r"shown only now: (\S+)")
PORTAL = [
    "--name",
    "Portail CLI",
    "--type",
    "confidential",
    "--redirect-uri",
    "https://cli.example.org/cb",
    "--redirect-uri",
    "http://127.0.0.1:5006/cb",
    "--scope",
    "openid profile",
    "--scope",
    "email",
]


def idp(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def secret_of(result: Result) -> str:
    match = SECRET_LINE.search(result.output)
    assert match, result.output
    return match.group(1)


def client_events(client_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.event.like("client.%"), AuditEvent.client_id == client_id
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def test_add_prints_the_secret_once_and_the_client_works(app: Flask) -> None:
    result = idp(
        app,
        "clients",
        "add",
        "--client-id",
        "cli-portal",
        *PORTAL,
        "--second-factor",
        "new_device",
        "--access-token-ttl",
        "120",
    )
    assert result.exit_code == 0, result.output
    secret = secret_of(result)
    client = _find("cli-portal")
    assert client is not None and client.check_client_secret(secret)
    assert client.redirect_uris == ["https://cli.example.org/cb", "http://127.0.0.1:5006/cb"]
    assert client.scopes == ["openid", "profile", "email"]
    assert client.spec.second_factor == "new_device"
    assert client.spec.access_token_ttl == 120
    assert client.managed_by == "api"
    (event,) = client_events("cli-portal")
    assert event.event == "client.created" and event.actor.startswith("cli:")

    shown = idp(app, "clients", "show", "cli-portal")
    assert shown.exit_code == 0 and secret not in shown.output
    assert json.loads(shown.output)["redirect_uris"] == client.redirect_uris
    listed = idp(app, "clients", "list")
    assert "cli-portal\tconfidential\tapi\tenabled\tPortail CLI" in listed.output


def test_add_from_json_with_options_overriding(app: Flask, tmp_path: Path) -> None:
    spec = tmp_path / "client.json"
    spec.write_text(
        json.dumps(
            {
                "client_id": "from-file",
                "name": "From JSON",
                "type": "public",
                "redirect_uris": ["fr.example.app:/cb"],
            }
        )
    )
    result = idp(app, "clients", "add", "--from-json", str(spec), "--name", "Renamed")
    assert result.exit_code == 0, result.output
    assert "shown only now" not in result.output  # a public client has no secret
    row = db.session.get(OAuthClient, "from-file")
    assert row is not None and row.name == "Renamed" and row.client_type == "public"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--redirect-uri", "http://cli.example.org/cb"], "field 'redirect_uris'"),
        (["--scope", "admin"], "field 'scopes': unknown scope 'admin'"),
        (["--type", "public", "--grant-type", "client_credentials"], "field 'grant_types'"),
        (["--second-factor", "never"], "field 'second_factor'"),
        (["--access-token-ttl", "soon"], "field 'access_token_ttl'"),
        (["--client-id", "health-portal"], "already exists"),
    ],
)
def test_add_refuses_bad_input_naming_the_field(app: Flask, args: list[str], message: str) -> None:
    before = db.session.scalars(select(OAuthClient.client_id)).all()
    result = idp(app, "clients", "add", *PORTAL, *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Nothing changed" in result.output
    assert "shown only now" not in result.output
    assert db.session.scalars(select(OAuthClient.client_id)).all() == before


def test_add_refuses_a_file_that_is_not_a_json_object(app: Flask, tmp_path: Path) -> None:
    for text in ("[1, 2]", "{not json"):
        spec = tmp_path / "client.json"
        spec.write_text(text)
        result = idp(app, "clients", "add", "--from-json", str(spec))
        assert result.exit_code == 1 and "JSON" in result.output


def test_rotate_secret_keeps_the_old_one_for_the_grace_period(app: Flask) -> None:
    runtime(app).clock = clock = ShiftedClock()
    old = secret_of(idp(app, "clients", "add", "--client-id", "cli-portal", *PORTAL))
    result = idp(app, "clients", "rotate-secret", "cli-portal")
    assert result.exit_code == 0, result.output
    new = secret_of(result)
    assert "The previous secret works until" in result.output
    client = _find("cli-portal")
    assert client is not None
    assert client.check_client_secret(old) and client.check_client_secret(new)
    clock.advance(days=7, seconds=1)
    assert not client.check_client_secret(old) and client.check_client_secret(new)
    rotated = client_events("cli-portal")[-1]
    assert rotated.event == "client.secret_rotated" and old not in str(rotated.detail)
    assert new not in str(rotated.detail)


def test_disable_and_enable(app: Flask) -> None:
    idp(app, "clients", "add", "--client-id", "cli-portal", *PORTAL)
    assert idp(app, "clients", "disable", "cli-portal").exit_code == 0
    assert _find("cli-portal") is None
    assert idp(app, "clients", "disable", "cli-portal", "--enable").exit_code == 0
    assert _find("cli-portal") is not None
    events = [e.event for e in client_events("cli-portal")]
    assert events == ["client.created", "client.disabled", "client.enabled"]


def test_remove_asks_first(app: Flask) -> None:
    idp(app, "clients", "add", "--client-id", "cli-portal", *PORTAL)
    kept = idp(app, "clients", "remove", "cli-portal", input="n\n")
    assert kept.exit_code == 1 and "Nothing changed" in kept.output
    assert db.session.get(OAuthClient, "cli-portal") is not None
    asked = idp(app, "clients", "remove", "cli-portal", input="y\n")
    assert asked.exit_code == 0, asked.output
    assert db.session.get(OAuthClient, "cli-portal") is None
    assert client_events("cli-portal")[-1].event == "client.deleted"


def test_remove_with_yes(app: Flask) -> None:
    idp(app, "clients", "add", "--client-id", "cli-portal", *PORTAL)
    result = idp(app, "clients", "remove", "cli-portal", "--yes")
    assert result.exit_code == 0 and "deleted" in result.output
    assert _find("cli-portal") is None


@pytest.mark.parametrize(
    "args",
    [
        ["rotate-secret", "health-portal"],
        ["remove", "health-portal", "--yes"],
        ["remove", "health-portal"],
        ["disable", "health-portal"],
    ],
)
def test_clients_from_the_file_are_read_only(app: Flask, args: list[str]) -> None:
    before = db.session.get(OAuthClient, "health-portal")
    assert before is not None
    snapshot = (before.secret_hash, before.disabled, dict(before.settings))
    result = idp(app, "clients", *args)
    assert result.exit_code == 1 and "clients.yaml" in result.output, result.output
    db.session.expire_all()
    after = db.session.get(OAuthClient, "health-portal")
    assert after is not None and (after.secret_hash, after.disabled, after.settings) == snapshot
    assert client_events("health-portal") == []


@pytest.mark.parametrize("command", ["show", "rotate-secret", "remove", "disable"])
def test_unknown_client(app: Flask, command: str) -> None:
    result = idp(app, "clients", command, "nobody")
    assert result.exit_code == 1 and "No client 'nobody'" in result.output


def _find(client_id: str):
    """The client as the app finds it (the registry of the current app)."""
    return ClientRegistry.of(current_app.extensions["idp"]).find(client_id)
