"""Signing keys: encrypted at rest, published before they sign, kept until tokens expire."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from joserfc import jwt
from sqlalchemy import select

from idp.db import db, utcnow
from idp.errors import ConfigError
from idp.models import SigningKey
from idp.runtime import runtime
from idp.tokens.issued import sign
from idp.tokens.keys import KeyStore


def published_kids(client) -> list[str]:
    return [k["kid"] for k in client.get("/jwks.json").json["keys"]]


def test_jwks_publishes_the_signing_and_the_next_key_with_distinct_kids(client):
    keys = client.get("/jwks.json").json["keys"]
    kids = [k["kid"] for k in keys]
    assert len(kids) == len(set(kids)) >= 2
    assert all("d" not in k and "p" not in k for k in keys), "private parts must never leak"
    assert all(k["use"] == "sig" and k["alg"] == "RS256" for k in keys)
    rows = db.session.scalars(select(SigningKey)).all()
    assert {r.state for r in rows if r.kid in kids} >= {"active", "next"}


def test_private_keys_are_encrypted_at_rest(app):
    for row in db.session.scalars(select(SigningKey)):
        assert "PRIVATE KEY" not in row.private_key_encrypted
        assert "BEGIN" not in row.private_key_encrypted
    other = replace(
        runtime().settings, server=replace(runtime().settings.server, secret_key="y" * 40)
    )
    with pytest.raises(ConfigError, match="Cannot decrypt the signing key"):
        KeyStore(other, runtime().redis).current()


def test_rotation_signs_with_the_key_published_in_advance_and_keeps_the_old_one(app, client):
    rt = runtime()
    before = rt.keys.current()
    next_kid = db.session.scalars(select(SigningKey).filter_by(state="next")).one().kid
    old_token = sign({"iss": "x", "exp": 9999999999}, rt.keys)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output

    after = rt.keys.current()
    assert after.signing_kid == next_kid != before.signing_kid
    kids = published_kids(client)
    assert before.signing_kid in kids and next_kid in kids and len(kids) == 3
    # A token signed before the rotation still verifies with the published keys.
    assert jwt.decode(old_token, after.verification).claims["iss"] == "x"


def test_retired_key_leaves_the_jwks_once_its_tokens_have_expired(app, client):
    rt = runtime()
    old = rt.keys.current().signing_kid
    rt.keys.rotate(publish_for=timedelta(seconds=300))
    assert old in published_kids(client)
    row = db.session.get(SigningKey, old)
    row.publish_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    rt.keys.rotate(publish_for=timedelta(seconds=300))  # any change makes instances reload
    assert old not in published_kids(client)


def test_another_instance_notices_a_rotation(app):
    rt = runtime()
    other_instance = KeyStore(rt.settings, rt.redis)
    assert other_instance.current().signing_kid == rt.keys.current().signing_kid
    rt.keys.rotate(publish_for=timedelta(seconds=60))
    other_instance._checked_at = 0.0  # as if the few-second recheck interval had passed
    assert other_instance.current().signing_kid == rt.keys.current().signing_kid


def test_production_refuses_keys_generated_with_the_development_secret(app):
    rt = runtime()
    assert rt.keys.current()  # keys exist, generated in development
    active = db.session.scalars(select(SigningKey).filter_by(state="active")).one()
    active.development = True
    db.session.commit()
    production = replace(
        rt.settings, server=replace(rt.settings.server, env="production", secret_key="p" * 40)
    )
    store = KeyStore(production, rt.redis)
    try:
        with pytest.raises(ConfigError, match="idp keys rotate"):
            store.check_production_ready()
        store.rotate(publish_for=timedelta(seconds=60))
        store.check_production_ready()
        new_active = db.session.scalars(select(SigningKey).filter_by(state="active")).one()
        assert new_active.kid != active.kid and not new_active.development
        assert store.current().signing_kid == new_active.kid
    finally:
        # Keys under another secret would be unreadable for the next tests: start afresh.
        db.session.execute(SigningKey.__table__.delete())
        db.session.commit()


def test_jwks_is_served_as_cacheable_json(client):
    response = client.get("/jwks.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.mimetype == "application/jwk-set+json"
    assert json.loads(response.data)["keys"]
