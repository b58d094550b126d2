"""Refresh tokens as relying parties live them: rotation, reuse detection, client binding,
scope narrowing (RFC 6749 §6, RFC 9700 §4.14.2)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests

from tests.actors import RelyingParty, jwt_claims, sign_in_tokens


def _refresh(rp: RelyingParty, refresh_token: str, **extra) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=refresh_token, **extra)


def _ok(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["Cache-Control"]
    return response.json()


def _invalid_grant(response: requests.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.fixture
def mobile(server) -> RelyingParty:
    return RelyingParty(server.url, "mobile-app", scope="openid profile email offline_access")


def test_rotation_gives_a_new_refresh_token_each_time(server, browser, portal):
    first = sign_in_tokens(browser, portal)
    second = _ok(_refresh(portal, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert portal.userinfo(second["access_token"]).status_code == 200
    third = _ok(_refresh(portal, second["refresh_token"]))
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    header, claims = jwt_claims(third["access_token"], server.url)
    assert header["typ"] == "at+jwt" and claims["client_id"] == "health-portal"
    _, original = jwt_claims(first["access_token"], server.url)
    assert claims["sub"] == original["sub"]
    assert set(third["scope"].split()) == set(first["scope"].split())


def test_public_client_refreshes_without_secret(server, browser, mobile):
    first = sign_in_tokens(browser, mobile)
    second = _ok(_refresh(mobile, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"]


def test_old_refresh_token_is_refused_after_rotation(server, browser, portal):
    first = sign_in_tokens(browser, portal)
    _ok(_refresh(portal, first["refresh_token"]))
    _invalid_grant(_refresh(portal, first["refresh_token"]))


def test_reuse_revokes_the_whole_family(server, browser, portal):
    first = sign_in_tokens(browser, portal)
    second = _ok(_refresh(portal, first["refresh_token"]))
    third = _ok(_refresh(portal, second["refresh_token"]))
    assert portal.userinfo(third["access_token"]).status_code == 200

    _invalid_grant(_refresh(portal, first["refresh_token"]))  # an attacker replays a stolen one

    # The newest refresh token of the family is dead too…
    _invalid_grant(_refresh(portal, third["refresh_token"]))
    # …and so are the family's access tokens.
    for token in (first, second, third):
        assert portal.userinfo(token["access_token"]).status_code == 401
        assert portal.introspect(token["access_token"]) == {"active": False}
        assert portal.introspect(token["refresh_token"]) == {"active": False}


def test_reuse_does_not_touch_other_families(server, browser, portal):
    first = sign_in_tokens(browser, portal)
    other = sign_in_tokens(browser, portal)  # a second authorization, its own family
    _ok(_refresh(portal, first["refresh_token"]))
    _invalid_grant(_refresh(portal, first["refresh_token"]))
    assert portal.userinfo(other["access_token"]).status_code == 200
    _ok(_refresh(portal, other["refresh_token"]))


def test_refresh_token_of_another_client_is_refused_and_not_burnt(server, browser, portal):
    provident = RelyingParty(server.url, "provident-portal")
    tokens = sign_in_tokens(browser, portal)
    _invalid_grant(_refresh(provident, tokens["refresh_token"]))
    _invalid_grant(_refresh(RelyingParty(server.url, "mobile-app"), tokens["refresh_token"]))
    # Its owner can still use it, and its access token still works.
    assert portal.userinfo(tokens["access_token"]).status_code == 200
    assert _ok(_refresh(portal, tokens["refresh_token"]))["refresh_token"]


def test_scope_can_be_narrowed(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    narrowed = _ok(_refresh(portal, tokens["refresh_token"], scope="openid email"))
    assert set(narrowed["scope"].split()) == {"openid", "email"}
    _, claims = jwt_claims(narrowed["access_token"], server.url)
    assert set(claims["scope"].split()) == {"openid", "email"}
    info = portal.userinfo(narrowed["access_token"]).json()
    assert "email" in info and "family_name" not in info and "member_number" not in info
    # Only that access token narrowed: the rotated refresh token keeps the family's scope.
    full = _ok(_refresh(portal, narrowed["refresh_token"]))
    assert set(full["scope"].split()) == set(tokens["scope"].split())
    assert "member_number" in portal.userinfo(full["access_token"]).json()


def _family_rows(server, refresh_token: str):
    from sqlalchemy import select

    from idp.db import db
    from idp.models import RefreshToken
    from idp.tokens.issued import token_digest

    with server.app.app_context():
        row = db.session.scalars(
            select(RefreshToken).filter_by(token_hash=token_digest(refresh_token))
        ).one()
        db.session.expunge(row)
        return row


def test_rotation_never_extends_a_family_past_its_absolute_end(server, browser, portal):
    """ASVS 10.4.8: a family ends ``refresh_token_max_lifetime`` after the sign-in (90 days
    by default), however often it is used; each rotation lives ``refresh_token_ttl`` (30
    days) at most, and never past that end."""
    from datetime import timedelta

    from sqlalchemy import update

    from idp.db import db, utcnow
    from idp.models import RefreshToken

    tokens = sign_in_tokens(browser, portal)
    row = _family_rows(server, tokens["refresh_token"])
    assert row.family_expires_at is not None
    assert abs(row.family_expires_at - row.issued_at - timedelta(days=90)) < timedelta(minutes=1)
    assert abs(row.expires_at - row.issued_at - timedelta(days=30)) < timedelta(minutes=1)

    # The same family, 89 days and some hours later: its end is 3 seconds away.
    end = utcnow().replace(microsecond=0) + timedelta(seconds=3)
    with server.app.app_context():
        db.session.execute(
            update(RefreshToken).filter_by(family_id=row.family_id).values(family_expires_at=end)
        )
        db.session.commit()
    rotated = _ok(_refresh(portal, tokens["refresh_token"]))
    assert _family_rows(server, rotated["refresh_token"]).expires_at == end
    assert portal.introspect(rotated["refresh_token"])["exp"] <= int(
        (end - datetime(1970, 1, 1)).total_seconds()
    )
    time.sleep(3.5)
    _invalid_grant(_refresh(portal, rotated["refresh_token"]))


def _age_family(server, refresh_token: str, days: int) -> None:
    """The family as if its member had signed in ``days`` ago and the app had refreshed
    regularly since: its start and its end move back, and its newest token expires after
    its idle lifetime or at that end, whichever comes first (as a rotation issues it)."""
    from datetime import timedelta

    from sqlalchemy import update

    from idp.db import db
    from idp.models import RefreshToken

    row = _family_rows(server, refresh_token)
    assert row.family_expires_at is not None
    end = row.family_expires_at - timedelta(days=days)
    with server.app.app_context():
        db.session.execute(
            update(RefreshToken)
            .filter_by(family_id=row.family_id)
            .values(
                issued_at=row.issued_at - timedelta(days=days),
                family_expires_at=end,
                expires_at=min(row.expires_at, end),
            )
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("client_id", "scope", "days", "refreshed"),
    [
        # The mobile app's own lifetime (clients.yaml: a year): offline access for months.
        ("mobile-app", "openid offline_access", 364, True),
        ("mobile-app", "openid offline_access", 366, False),
        # A portal has the provider's (IDP_REFRESH_TOKEN_MAX_LIFETIME, 90 days).
        ("health-portal", "openid profile", 89, True),
        ("health-portal", "openid profile", 91, False),
    ],
)
def test_each_client_keeps_its_own_absolute_refresh_lifetime(
    server, browser, client_id: str, scope: str, days: int, refreshed: bool
):
    rp = RelyingParty(server.url, client_id, scope=scope)
    tokens = sign_in_tokens(browser, rp)
    _age_family(server, tokens["refresh_token"], days)
    answer = _refresh(rp, tokens["refresh_token"])
    if refreshed:
        _ok(answer)
    else:
        _invalid_grant(answer)


def test_scope_cannot_be_widened(server, browser):
    rp = RelyingParty(server.url, "health-portal", scope="openid email")
    tokens = sign_in_tokens(browser, rp)
    for scope in ("openid email profile", "openid offline_access", "openid idp:reporting"):
        response = _refresh(rp, tokens["refresh_token"], scope=scope)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_scope"
    # The refused request did not spend the refresh token.
    assert _ok(_refresh(rp, tokens["refresh_token"]))["refresh_token"]


def test_unknown_or_garbage_refresh_token(server, portal):
    for value in ("no-such-token", "x" * 300, "é", " "):
        _invalid_grant(_refresh(portal, value))
    response = portal.token_request(grant_type="refresh_token")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_wrong_secret_on_refresh_does_not_burn_the_token(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    response = requests.post(
        portal.metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(portal.client_id, "wrong-secret"),
        timeout=10,
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    _ok(_refresh(portal, tokens["refresh_token"]))


def test_refresh_keeps_the_id_token_claims(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    refreshed = _ok(_refresh(portal, tokens["refresh_token"]))
    _, before = jwt_claims(tokens["id_token"], server.url)
    _, after = jwt_claims(refreshed["access_token"], server.url)
    assert after["sub"] == before["sub"]
    assert after["auth_time"] == before["auth_time"]
    if "id_token" in refreshed:
        _, id_after = jwt_claims(refreshed["id_token"], server.url)
        assert id_after["sub"] == before["sub"] and id_after["aud"] == "health-portal"
        assert id_after["auth_time"] == before["auth_time"]


def test_refresh_stops_when_the_member_is_deactivated(server, browser, portal):
    from idp.db import db
    from idp.models import Member

    tokens = sign_in_tokens(browser, portal)
    with server.app.app_context():
        member = db.session.query(Member).filter_by(member_number="100000001").one()
        member.password_hash = None
        db.session.commit()
    response = _refresh(portal, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")


def test_expired_refresh_token_is_refused(server, browser, portal):
    from datetime import timedelta

    from idp.db import db, utcnow
    from idp.models import RefreshToken
    from idp.tokens.issued import token_digest

    tokens = sign_in_tokens(browser, portal)
    with server.app.app_context():
        row = (
            db.session.query(RefreshToken)
            .filter_by(token_hash=token_digest(tokens["refresh_token"]))
            .one()
        )
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    _invalid_grant(_refresh(portal, tokens["refresh_token"]))
    assert portal.introspect(tokens["refresh_token"]) == {"active": False}
