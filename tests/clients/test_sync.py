"""`idp clients sync`: the database follows the file; secrets are never stored in clear."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from idp.clients.registry import ClientRegistry, secret_digest
from idp.db import db
from idp.models import OAuthClient
from tests.conftest import CLIENT_SECRETS, TEST_CLIENTS_FILE


def test_synced_clients_store_only_secret_digests(app):
    row = db.session.get(OAuthClient, "health-portal")
    secret = CLIENT_SECRETS["IDP_TEST_SECRET_HEALTH_PORTAL"]
    assert row.secret_hash == secret_digest(secret) and secret not in str(row.settings)
    assert db.session.get(OAuthClient, "mobile-app").secret_hash is None
    client = _find("health-portal")
    assert client.check_client_secret(secret)
    assert not client.check_client_secret(secret + "x")
    assert not client.check_client_secret("")


def test_argon2_secret_hash_is_verified(app):
    client = _find("legacy-portal")
    assert client.check_client_secret("legacy-portal-test-secret-0123456789abcdef")
    assert client.check_client_secret("legacy-portal-test-secret-0123456789abcdef")  # cached
    assert not client.check_client_secret("legacy-portal-test-secret-0123456789abcdeX")


def test_sync_is_idempotent_and_disables_clients_removed_from_the_file(app, tmp_path: Path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clients", "sync", str(TEST_CLIENTS_FILE)])
    assert result.exit_code == 0 and "0 created, 0 updated, 0 disabled" in result.output

    reduced = tmp_path / "clients.yaml"
    text = TEST_CLIENTS_FILE.read_text()
    reduced.write_text(text.split("  - client_id: legacy-portal")[0])
    result = runner.invoke(args=["clients", "sync", str(reduced)])
    assert result.exit_code == 0 and "1 disabled" in result.output
    assert _find("legacy-portal") is None  # every instance drops it at once
    assert db.session.get(OAuthClient, "legacy-portal").disabled


def test_invalid_file_changes_nothing(app, tmp_path: Path):
    bad = tmp_path / "clients.yaml"
    bad.write_text(TEST_CLIENTS_FILE.read_text().replace("type: public", "type: nonsense"))
    result = app.test_cli_runner().invoke(args=["clients", "sync", str(bad)])
    assert result.exit_code == 1 and "field 'type'" in result.output
    assert _find("mobile-app") is not None


def test_redirect_uri_matching_is_exact_except_loopback_port_for_native_apps(app):
    portal = _find("health-portal")
    assert portal.check_redirect_uri("http://127.0.0.1:5001/auth/callback")
    for near_miss in (
        "http://127.0.0.1:5001/auth/callback/",
        "http://127.0.0.1:5001/auth/callback?x=1",
        "http://127.0.0.1:5002/auth/callback",
        "http://localhost:5001/auth/callback",
        "HTTP://127.0.0.1:5001/auth/callback",
    ):
        assert not portal.check_redirect_uri(near_miss), near_miss
    app_client = _find("mobile-app")
    assert app_client.check_redirect_uri("http://127.0.0.1:53127/oauth2/callback")
    assert app_client.check_redirect_uri("fr.mutuelle.monespacesante:/oauth2/callback")
    assert not app_client.check_redirect_uri("http://127.0.0.1:53127/oauth2/callback/x")
    assert not app_client.check_redirect_uri("http://127.0.0.1:abc/oauth2/callback")
    assert not app_client.check_redirect_uri("http://evil.example:53127/oauth2/callback")


def subject_like_a_client_id() -> str:
    """The demo member's ``sub``, made to start with a letter as a client_id does (a random
    subject may start with ``_`` or ``-``, which no client_id can)."""
    from sqlalchemy import select

    from idp.accounts.directory import ensure_demo_member
    from idp.clients.schema import CLIENT_ID
    from idp.models import Member
    from idp.runtime import runtime

    ensure_demo_member(passwords=runtime().passwords)
    member = db.session.scalars(select(Member).filter_by(member_number="100000001")).one()
    member.subject = "m" + member.subject[1:]
    db.session.commit()
    assert CLIENT_ID.fullmatch(member.subject), member.subject
    return member.subject


def test_a_client_id_that_is_a_members_subject_is_refused_naming_the_client(app, tmp_path: Path):
    """RFC 9700 §4.15: a client's own tokens name it in ``sub``, which must never be read as
    a member's. The operator is told which client, and nothing is synced."""
    subject = subject_like_a_client_id()
    clashing = tmp_path / "clients.yaml"
    text = TEST_CLIENTS_FILE.read_text()
    # An earlier client renamed (created first, then undone), the last one clashing.
    text = text.replace("- client_id: partner-app", "- client_id: other-partner")
    clashing.write_text(text.replace("- client_id: legacy-portal", f"- client_id: {subject}"))
    result = app.test_cli_runner().invoke(args=["clients", "sync", str(clashing)])
    assert result.exit_code == 1, result.output
    assert f"client {subject!r} has the subject identifier of a member" in result.output
    db.session.remove()  # what the database holds, not what the command left uncommitted
    assert db.session.get(OAuthClient, subject) is None
    assert db.session.get(OAuthClient, "other-partner") is None  # all or nothing
    assert _find("legacy-portal") is not None and _find("partner-app") is not None


def _find(client_id: str):
    """The client as the app finds it (the registry of the current app)."""
    return ClientRegistry.of(current_app.extensions["idp"]).find(client_id)
