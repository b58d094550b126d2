"""``idp accounts sign-out``: an operator ends one member's sessions, or every member's after a
security incident (ASVS 5.0 7.4.5), through the one sign-out of ``logout/sign_out.py``: the
portals are told by back-channel logout and the refresh tokens stop working
(docs/sessions.md)."""

from __future__ import annotations

from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent
from tests.actors import Browser, RelyingParty, add_member, jwt_claims
from tests.conftest import LiveServer
from tests.logout.test_backchannel import deliver, validate_logout_token

OTHER_NUMBER = "100000077"
OTHER_PASSWORD = "Autre-Cheval-77"


def signed_in(site: LiveServer) -> tuple[dict, dict]:
    """The demo member and another one, each signed in to the health portal in a browser."""
    add_member(site.app, OTHER_NUMBER, OTHER_PASSWORD, email="autre@example.org")
    rp = RelyingParty(site.url, "health-portal")
    demo = rp.fetch_token(Browser(site.url).sign_in(rp.authorize_url()))
    other = rp.fetch_token(
        Browser(site.url).sign_in(rp.authorize_url(), OTHER_NUMBER, OTHER_PASSWORD)
    )
    return demo, other


def refresh(site: LiveServer, tokens: dict) -> int:
    rp = RelyingParty(site.url, "health-portal")
    answer = rp.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    return answer.status_code


def events(site: LiveServer, name: str) -> list[AuditEvent]:
    with site.app.app_context():
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name).order_by("id")))
        db.session.remove()
    return found


def test_every_member_is_signed_out_and_every_portal_told(provider, receivers):
    health, _ = receivers
    with provider(workers=0) as site:
        demo, other = signed_in(site)
        result = site.app.test_cli_runner().invoke(args=["accounts", "sign-out", "--all", "--yes"])

        assert result.exit_code == 0, result.output
        assert "2 members signed out: 2 sessions ended, 2 refresh-token families revoked." in (
            result.output
        )
        assert refresh(site, demo) == 400 and refresh(site, other) == 400
        assert deliver(site) == 2
        subjects = {
            validate_logout_token(d.token, site, "health-portal")[1]["sub"]
            for d in health.wait_for(2)
        }
        assert subjects == {
            jwt_claims(demo["id_token"], site.url)[1]["sub"],
            jwt_claims(other["id_token"], site.url)[1]["sub"],
        }
        [summary] = events(site, "accounts.everyone_signed_out")
        assert summary.actor.startswith("cli:") and summary.detail["members"] == 2
        assert len(events(site, "account.sessions_ended")) == 2

        # Nothing left to end: a second run finds no one and says so.
        again = site.app.test_cli_runner().invoke(args=["accounts", "sign-out", "--all", "--yes"])
        assert again.exit_code == 0 and "0 members signed out" in again.output


def test_one_member_is_signed_out_and_the_others_keep_going(provider, receivers):
    health, _ = receivers
    with provider(workers=0) as site:
        demo, other = signed_in(site)
        result = site.app.test_cli_runner().invoke(args=["accounts", "sign-out", OTHER_NUMBER])

        assert result.exit_code == 0, result.output
        assert f"Member {OTHER_NUMBER} is signed out: 1 session ended" in result.output
        assert refresh(site, other) == 400
        assert refresh(site, demo) == 200
        assert deliver(site) == 1
        [delivery] = health.wait_for(1)
        claims = validate_logout_token(delivery.token, site, "health-portal")[1]
        assert claims["sub"] == jwt_claims(other["id_token"], site.url)[1]["sub"]


def test_a_wrong_call_changes_nothing(provider):
    with provider(workers=0) as site:
        demo, other = signed_in(site)
        runner = site.app.test_cli_runner()
        unknown = runner.invoke(args=["accounts", "sign-out", "999999999"])
        assert unknown.exit_code == 1 and "no member 999999999" in unknown.output
        both = runner.invoke(args=["accounts", "sign-out", OTHER_NUMBER, "--all"])
        neither = runner.invoke(args=["accounts", "sign-out"])
        assert both.exit_code == 2 and neither.exit_code == 2
        declined = runner.invoke(args=["accounts", "sign-out", "--all"], input="n\n")
        assert declined.exit_code == 1 and "Nothing changed." in declined.output
        assert refresh(site, demo) == 200 and refresh(site, other) == 200
        assert events(site, "logout") == []
