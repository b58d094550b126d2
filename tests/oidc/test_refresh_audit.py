"""The audit log tells a refresh-token family's whole story: issued, every refresh, every
refusal with its reason, every reuse (each losing parallel refresh included), the revocation;
each event with client, member, ``sid`` and family id, and ``idp audit --family`` prints it.
Parallel refreshes are raced against two instances in ``tests/e2e/test_parallel_refreshes.py``."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import requests
from sqlalchemy import select, update

from idp.db import db, utcnow
from idp.models import AuditEvent, Member, RefreshToken
from idp.tokens.issued import FAMILY_CLAIM
from tests.actors import DEMO_NUMBER, RelyingParty, code_from, jwt_claims, sign_in_tokens


def _refresh(rp: RelyingParty, refresh_token: str) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=refresh_token)


def _family(server, tokens: dict) -> str:
    _, claims = jwt_claims(tokens["access_token"], server.url)
    return claims[FAMILY_CLAIM]


def _events(server, name: str) -> list[AuditEvent]:
    with server.app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
    return rows


def _demo_member_id(server) -> int:
    with server.app.app_context():
        member_id = db.session.scalar(select(Member.id).filter_by(member_number=DEMO_NUMBER))
        db.session.remove()
    assert member_id is not None
    return member_id


def test_family_cli_shows_the_logout_that_ended_the_family(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    family = _family(server, tokens)
    other = _family(server, sign_in_tokens(browser, RelyingParty(server.url, "provident-portal")))
    hint = urlencode({"id_token_hint": tokens["id_token"]})
    page = browser.go(f"{server.discovery()['end_session_endpoint']}?{hint}")
    assert isinstance(page, requests.Response) and "déconnecté" in page.text

    (logout,) = _events(server, "logout")
    assert sorted(logout.detail["families"]) == sorted([family, other])
    for named in (family, other):
        result = server.app.test_cli_runner().invoke(args=["audit", "--family", named])
        assert result.exit_code == 0, result.output
        events = [line.split()[1] for line in result.output.splitlines()]
        # The family's life ends with the logout that revoked it, named by its reason.
        assert events == ["token.issued", "token.family_revoked", "logout"], result.output
        assert result.output.splitlines()[-1].split()[-1] == "logout"
    # Another family's id inside a list does not make a family of its own appear.
    prefix = server.app.test_cli_runner().invoke(args=["audit", "--family", family[:-1]])
    assert prefix.exit_code == 1


def test_family_cli_knows_unknown_families(app):
    result = app.test_cli_runner().invoke(args=["audit", "--family", "no-such-family"])
    assert result.exit_code == 1
    assert "no-such-family" in result.output
    # The subcommands keep working beside the option.
    assert app.test_cli_runner().invoke(args=["audit", "export"]).exit_code == 0
    assert "--family" in app.test_cli_runner().invoke(args=["audit"]).output


def test_each_refusal_is_audited_with_its_reason(server, browser, portal):
    provident = RelyingParty(server.url, "provident-portal")
    tokens = sign_in_tokens(browser, portal)
    family = _family(server, tokens)

    assert _refresh(portal, "not-a-token").json()["error"] == "invalid_grant"
    assert _refresh(provident, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    with server.app.app_context():
        db.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        db.session.remove()
    assert _refresh(portal, tokens["refresh_token"]).json()["error"] == "invalid_grant"

    other = sign_in_tokens(browser, portal)
    assert portal.revoke(other["refresh_token"]).status_code == 200
    assert _refresh(portal, other["refresh_token"]).json()["error"] == "invalid_grant"

    third = sign_in_tokens(browser, portal)
    with server.app.app_context():
        db.session.execute(
            update(Member).where(Member.member_number == DEMO_NUMBER).values(password_hash=None)
        )
        db.session.commit()
        db.session.remove()
    assert _refresh(portal, third["refresh_token"]).json()["error"] == "invalid_grant"

    rejected = {e.detail["reason"]: e for e in _events(server, "token.refresh_rejected")}
    assert set(rejected) == {
        "unknown", "wrong_client", "expired", "revoked_family", "inactive_member"
    }  # fmt: skip
    assert rejected["unknown"].client_id == "health-portal"
    assert "family" not in rejected["unknown"].detail
    assert rejected["wrong_client"].client_id == "provident-portal"
    member_id = _demo_member_id(server)
    for reason, expected in (("wrong_client", tokens), ("expired", tokens),
                             ("revoked_family", other), ("inactive_member", third)):  # fmt: skip
        event = rejected[reason]
        assert event.member_id == member_id and event.detail["sid"], reason
        assert event.detail["family"] == _family(server, expected), reason
    # Another client presenting the token did not burn it: it was the expiry that stopped it.
    assert _events(server, "token.refresh_reused") == []


def test_issue_refresh_and_revocation_name_the_family(server, browser, portal):
    tokens = sign_in_tokens(browser, portal)
    family = _family(server, tokens)
    rotated = _refresh(portal, tokens["refresh_token"]).json()
    assert _family(server, rotated) == family
    assert portal.revoke(rotated["access_token"]).status_code == 200
    assert portal.revoke(rotated["refresh_token"]).status_code == 200

    (issued,) = _events(server, "token.issued")
    (refreshed,) = _events(server, "token.refreshed")
    revoked = _events(server, "token.revoked")
    (family_revoked,) = _events(server, "token.family_revoked")
    for event in (issued, refreshed, *revoked, family_revoked):
        assert event.detail["family"] == family, event.event
        assert event.detail["sid"] and event.member_id == _demo_member_id(server), event.event
    assert [e.detail["kind"] for e in revoked] == ["access_token", "refresh_token"]
    assert family_revoked.detail["reason"] == "revocation_request"


def test_code_replay_names_the_family_it_revokes(server, browser, portal):
    callback = browser.sign_in(portal.authorize_url())
    tokens = portal.fetch_token(callback)
    family = _family(server, tokens)
    replay = portal.token_request(
        grant_type="authorization_code", code=code_from(callback),
        redirect_uri=portal.redirect_uri, code_verifier=portal.verifier,
    )  # fmt: skip
    assert replay.json()["error"] == "invalid_grant"

    (replayed,) = _events(server, "token.code_replayed")
    assert replayed.detail["family"] == family
    (family_revoked,) = _events(server, "token.family_revoked")
    assert family_revoked.detail["reason"] == "code_replayed"
    assert portal.userinfo(tokens["access_token"]).status_code == 401
