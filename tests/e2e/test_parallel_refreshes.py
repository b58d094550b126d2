"""Parallel refreshes of one refresh token against two ``idp serve`` instances sharing
PostgreSQL and Redis, requests alternating between them: exactly one wins, every loser is a
reuse that the audit log records with the family id, the family is revoked once, and
``idp audit --family`` tells its whole life (docs/failure-modes.md, "Refresh tokens")."""

from __future__ import annotations

import requests
from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent, Member, RefreshToken
from idp.tokens.issued import FAMILY_CLAIM
from tests.actors import DEMO_NUMBER, Browser, RelyingParty, jwt_claims, sign_in_tokens
from tests.e2e.conftest import Pair, at_instance, fire

PARALLEL = 20


def events(pair: Pair, name: str) -> list[AuditEvent]:
    with pair.app.app_context():
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
    return found


def live_tokens(pair: Pair, family: str) -> list[RefreshToken]:
    with pair.app.app_context():
        found = list(
            db.session.scalars(select(RefreshToken).filter_by(family_id=family, revoked_at=None))
        )
        db.session.remove()
    return found


def demo_member_id(pair: Pair) -> int:
    with pair.app.app_context():
        found = db.session.scalar(select(Member.id).filter_by(member_number=DEMO_NUMBER))
        db.session.remove()
    assert found is not None
    return found


def as_portal(portal: RelyingParty) -> requests.Session:
    http = requests.Session()
    http.auth = (portal.client_id, portal.secret)
    return http


def test_parallel_refreshes_one_wins_every_loser_is_a_reuse(pair: Pair):
    portal = RelyingParty(pair.issuer, "health-portal")
    tokens = sign_in_tokens(Browser(pair.issuer), portal)
    family = jwt_claims(tokens["access_token"], pair.issuer)[1][FAMILY_CLAIM]
    endpoint = portal.metadata["token_endpoint"]
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    answers = fire([(as_portal(portal), at_instance(pair, i, endpoint), refresh)
                    for i in range(PARALLEL)])  # fmt: skip

    statuses = sorted(a.status_code for a in answers)
    print(f"answers: {statuses.count(200)} × 200, {statuses.count(400)} × 400")
    assert statuses == [200] + [400] * (PARALLEL - 1)
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"invalid_grant"}
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    member_id = demo_member_id(pair)
    reuses = events(pair, "token.refresh_reused")
    assert len(reuses) == PARALLEL - 1
    for event in reuses:
        assert event.detail["family"] == family and event.detail["sid"]
        assert event.client_id == "health-portal" and event.member_id == member_id
    sid = reuses[0].detail["sid"]
    (revoked,) = events(pair, "token.family_revoked")
    assert revoked.detail == {"family": family, "reason": "refresh_reused", "sid": sid}
    assert live_tokens(pair, family) == []
    # The family is revoked on both instances: the winner's new tokens are dead as well.
    late = as_portal(portal).post(at_instance(pair, 1, endpoint), timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": winner["refresh_token"]})  # fmt: skip
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    for i in range(2):
        userinfo = requests.get(
            at_instance(pair, i, portal.metadata["userinfo_endpoint"]),
            headers={"Authorization": f"Bearer {winner['access_token']}"}, timeout=10,
        )  # fmt: skip
        assert userinfo.status_code == 401

    # What an operator reads: `idp audit --family ID`, oldest first.
    result = pair.idp("audit", "--family", family)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split()[1] for line in lines]
    assert names[:2] == ["token.issued", "token.refreshed"]
    assert names.count("token.refresh_reused") == PARALLEL - 1
    # The revocation comes after the first reuse (the request that revoked the family; other
    # losers recorded theirs while they waited for it); the winner's new token, presented
    # afterwards, is rejected as revoked_family.
    assert names.count("token.family_revoked") == 1
    assert names.index("token.family_revoked") > names.index("token.refresh_reused")
    assert names[-1] == "token.refresh_rejected" and lines[-1].split()[-1] == "revoked_family"
    assert len(names) == 2 + (PARALLEL - 1) + 1 + 1
    assert lines[0].split()[2:5] == ["health-portal", DEMO_NUMBER, sid]
    assert all(tokens["refresh_token"] not in line for line in lines)
