"""Revoked access tokens stay revoked when Redis loses its data (FLUSHALL, a restart without
persistence): the revocations live in SQL and Redis is only their cache, reloaded before any
token is accepted again. A disabled or deleted client's tokens are refused at once.

These tests run the provider on a private ``redis-server`` so they can flush and restart it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.db import db
from idp.models import AccessTokenRevocation
from idp.runtime import runtime
from idp.tokens import revocations
from tests.actors import (
    CLIENTS,
    Browser,
    RelyingParty,
    introspect_as,
    jwt_claims,
    sign_in_tokens,
)
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.private_redis import PrivateRedis, private_redis

PORTAL_HOME = "http://127.0.0.1:5001/"


@pytest.fixture
def cache() -> Iterator[PrivateRedis]:
    with private_redis() as redis_server:
        yield redis_server


@pytest.fixture
def live(database_url: str, cache: PrivateRedis) -> Iterator[LiveServer]:
    port = free_port()
    settings = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    settings = replace(settings, storage=replace(settings.storage, redis_url=cache.url))
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


@pytest.fixture
def browser(live: LiveServer) -> Browser:
    return Browser(live.url)


@pytest.fixture
def portal(live: LiveServer) -> RelyingParty:
    return RelyingParty(live.url, "health-portal")


@pytest.fixture(params=["flushall", "restart"])
def lose_redis(request: pytest.FixtureRequest, cache: PrivateRedis) -> Callable[[], None]:
    """Redis loses every key, by FLUSHALL or by a restart without persistence."""
    return cache.flushall if request.param == "flushall" else cache.restart


def refused(rp: RelyingParty, access_token: str) -> bool:
    """Refused by userinfo AND by introspection: the two must agree."""
    userinfo = rp.userinfo(access_token)
    introspection = rp.introspect(access_token)
    assert (userinfo.status_code == 401) == (introspection == {"active": False}), (
        userinfo.status_code,
        introspection,
    )
    return userinfo.status_code == 401


def accepted(rp: RelyingParty, access_token: str) -> bool:
    return rp.userinfo(access_token).status_code == 200 and rp.introspect(access_token)["active"]


def refresh(rp: RelyingParty, refresh_token: str) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=refresh_token)


# -- revoked tokens stay revoked -------------------------------------------------------------


def test_rfc7009_revocation_survives(live, cache, browser, portal, lose_redis):
    revoked = sign_in_tokens(browser, portal)
    kept = sign_in_tokens(browser, portal)
    assert portal.revoke(revoked["access_token"]).status_code == 200
    assert refused(portal, revoked["access_token"])

    lose_redis()

    assert refused(portal, revoked["access_token"])
    assert accepted(portal, kept["access_token"])


def test_revoked_refresh_family_survives(live, cache, browser, portal, lose_redis):
    first = sign_in_tokens(browser, portal)
    rotated = refresh(portal, first["refresh_token"]).json()
    reused = refresh(portal, first["refresh_token"])  # reuse: the whole family is revoked
    assert reused.json()["error"] == "invalid_grant"

    lose_redis()

    for tokens in (first, rotated):
        assert refused(portal, tokens["access_token"])
    assert refresh(portal, rotated["refresh_token"]).json()["error"] == "invalid_grant"


def test_logout_survives(live, cache, browser, portal, lose_redis):
    tokens = sign_in_tokens(browser, portal)
    logout = f"{portal.metadata['end_session_endpoint']}?" + urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": PORTAL_HOME}
    )
    assert browser.go(logout) == PORTAL_HOME  # sign_out_session revokes the session's family
    assert refused(portal, tokens["access_token"])

    lose_redis()

    assert refused(portal, tokens["access_token"])


def test_reload_accepts_live_tokens_and_refuses_revoked_ones(live, cache, browser, portal):
    revoked = sign_in_tokens(browser, portal)
    kept = sign_in_tokens(browser, portal)
    portal.revoke(revoked["access_token"])
    cache.flushall()
    redis = live.app.extensions["idp"].redis
    assert redis.get(revocations.MARKER) is None

    assert accepted(portal, kept["access_token"])  # the first check reloads the cache

    assert redis.get(revocations.MARKER) is not None
    with live.app.app_context():
        (row,) = db.session.scalars(select(AccessTokenRevocation)).all()
        db.session.remove()
    assert redis.get(f"idp:revoked-at:{row.value}") is not None
    assert refused(portal, revoked["access_token"])
    assert accepted(portal, kept["access_token"])
    fresh = sign_in_tokens(Browser(live.url), portal)
    assert accepted(portal, fresh["access_token"])


def test_while_another_instance_reloads_checks_read_sql(live, cache, browser, portal):
    revoked = sign_in_tokens(browser, portal)
    kept = sign_in_tokens(browser, portal)
    portal.revoke(revoked["access_token"])
    cache.flushall()
    redis = live.app.extensions["idp"].redis
    redis.set(revocations.LOADING, "another instance", ex=30)

    assert refused(portal, revoked["access_token"])
    assert accepted(portal, kept["access_token"])
    assert redis.get(revocations.MARKER) is None  # not marked loaded by a reader


def test_a_check_with_a_warm_cache_is_one_redis_command(live, cache, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    assert accepted(portal, tokens["access_token"])  # warm: marker and client cache loaded
    from idp.tokens.issued import Tokens

    redis = live.app.extensions["idp"].redis
    with live.app.app_context():
        checks = Tokens.of(live.app.extensions["idp"])
        before = _command_calls(redis)
        assert checks.verify_access_token(tokens["access_token"]) is not None
        after = _command_calls(redis)
        db.session.remove()
    spent = {name: after[name] - before.get(name, 0) for name in after}
    assert {name: n for name, n in spent.items() if n and name != "info"} == {"mget": 1}


def _command_calls(redis) -> dict[str, int]:
    return {
        name.removeprefix("cmdstat_"): stats["calls"]
        for name, stats in redis.info("commandstats").items()
    }


def test_expired_revocations_are_purged_in_batches(app: Flask, monkeypatch):
    from datetime import timedelta

    from idp.db import utcnow

    past = utcnow() - timedelta(minutes=5)
    for n in range(5):
        expired = past + timedelta(seconds=n)  # old-0 expired first
        db.session.add(AccessTokenRevocation(kind="jti", value=f"old-{n}", expires_at=expired))
    db.session.commit()
    monkeypatch.setattr(revocations, "PURGE_BATCH", 3)
    redis = app.extensions["idp"].redis
    store = revocations.Revocations.of(app.extensions["idp"])

    store.revoke(revocations.JTI, "new", int(time.time()) + 600)
    db.session.commit()
    assert _values() == {"old-3", "old-4", "new"}

    store.revoke(revocations.JTI, "newer", int(time.time()) + 600)
    db.session.commit()
    assert _values() == {"old-3", "old-4", "new", "newer"}  # at most one batch a minute

    redis.delete(revocations.PURGING)
    store.revoke(revocations.JTI, "newest", int(time.time()) + 600)
    db.session.commit()
    assert _values() == {"new", "newer", "newest"}


def _values() -> set[str]:
    return set(db.session.scalars(select(AccessTokenRevocation.value)))


def test_revoking_twice_keeps_one_row(app: Flask):
    now = int(time.time())
    store = revocations.Revocations.of(app.extensions["idp"])
    store.revoke(revocations.FAMILY, "fam", now + 60)
    store.revoke(revocations.FAMILY, "fam", now + 600)
    store.revoke(revocations.FAMILY, "fam", now + 30)
    db.session.commit()
    (row,) = db.session.scalars(select(AccessTokenRevocation)).all()
    assert int(row.expires_at.replace(tzinfo=UTC).timestamp()) >= now + 600  # latest wins


# -- a disabled or deleted client's tokens -----------------------------------------------------


@pytest.fixture
def disposable(live: LiveServer) -> Iterator[RelyingParty]:
    """A client added with ``idp clients add`` (file-managed clients cannot be disabled)."""
    callback = "http://127.0.0.1:5009/auth/callback"
    args = ["clients", "add", "--client-id", "disposable-portal", "--name", "Portail jetable",
            "--type", "confidential", "--redirect-uri", callback, "--scope", "openid profile",
            "--grant-type", "authorization_code", "--grant-type", "refresh_token"]  # fmt: skip
    result = live.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    secret = result.output.rsplit("shown only now: ", 1)[1].strip()
    CLIENTS["disposable-portal"] = (secret, callback)
    try:
        yield RelyingParty(live.url, "disposable-portal", scope="openid profile")
    finally:
        CLIENTS.pop("disposable-portal")


def test_a_disabled_clients_tokens_are_refused_at_once(live, browser, portal, disposable):
    tokens = sign_in_tokens(browser, disposable)
    assert accepted(disposable, tokens["access_token"])
    other = sign_in_tokens(browser, portal)

    result = live.app.test_cli_runner().invoke(args=["clients", "disable", "disposable-portal"])
    assert result.exit_code == 0, result.output

    assert disposable.userinfo(tokens["access_token"]).status_code == 401
    # Its own introspection fails its authentication; the check behind introspection and
    # the admin API refuses the token too.
    assert introspect_as(disposable, tokens["access_token"]).status_code == 401
    assert not _verified(live, tokens["access_token"])
    assert accepted(portal, other["access_token"])

    live.app.test_cli_runner().invoke(args=["clients", "disable", "--enable", "disposable-portal"])
    assert accepted(disposable, tokens["access_token"])  # disabling is not revoking


def _verified(live: LiveServer, access_token: str) -> bool:
    from idp.tokens.issued import Tokens

    with live.app.app_context():
        claims = Tokens.of(live.app.extensions["idp"]).verify_access_token(access_token)
        db.session.remove()
    return claims is not None


def test_a_deleted_clients_tokens_are_refused_even_under_its_old_id(live, browser, disposable):
    tokens = sign_in_tokens(browser, disposable)
    assert accepted(disposable, tokens["access_token"])

    result = live.app.test_cli_runner().invoke(
        args=["clients", "remove", "--yes", "disposable-portal"]
    )
    assert result.exit_code == 0, result.output
    assert disposable.userinfo(tokens["access_token"]).status_code == 401
    assert not _verified(live, tokens["access_token"])

    callback = CLIENTS["disposable-portal"][1]
    _, claims = jwt_claims(tokens["access_token"], live.url)
    while int(time.time()) <= claims["iat"]:  # times compare to the second (``iat``)
        time.sleep(0.05)
    args = ["clients", "add", "--client-id", "disposable-portal", "--name", "Autre", "--type",
            "confidential", "--redirect-uri", callback, "--scope", "openid profile"]  # fmt: skip
    again = live.app.test_cli_runner().invoke(args=args)
    assert again.exit_code == 0, again.output
    CLIENTS["disposable-portal"] = (again.output.rsplit("shown only now: ", 1)[1].strip(), callback)
    successor = RelyingParty(live.url, "disposable-portal", scope="openid profile")
    assert successor.userinfo(tokens["access_token"]).status_code == 401
    assert successor.introspect(tokens["access_token"]) == {"active": False}


def test_a_disabled_or_deleted_services_token_cannot_call_the_admin_api(live):
    args = ["clients", "add", "--client-id", "ops-service", "--name", "Outil support",
            "--type", "confidential", "--grant-type", "client_credentials",
            "--scope", "idp:support"]  # fmt: skip
    result = live.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    secret = result.output.rsplit("shown only now: ", 1)[1].strip()
    issued = requests.post(
        live.discovery()["token_endpoint"], data={"grant_type": "client_credentials"},
        auth=("ops-service", secret), timeout=10,
    )  # fmt: skip
    assert issued.status_code == 200, issued.text
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}

    def audit_status() -> int:
        return requests.get(f"{live.url}/admin/api/audit", headers=bearer, timeout=10).status_code

    assert audit_status() == 200
    runner = live.app.test_cli_runner()
    assert runner.invoke(args=["clients", "disable", "ops-service"]).exit_code == 0
    assert audit_status() == 401
    assert runner.invoke(args=["clients", "disable", "--enable", "ops-service"]).exit_code == 0
    assert audit_status() == 200
    assert runner.invoke(args=["clients", "remove", "--yes", "ops-service"]).exit_code == 0
    assert audit_status() == 401
