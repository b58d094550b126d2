"""Withdrawing an application from the account page signs the member out of it, and of it
alone, through the one sign-out of ``logout/sign_out.py`` (docs/sessions.md): the portal's
back-channel endpoint is told for the session it was in, its tokens stop working, and the
other portal of the same session keeps going."""

from __future__ import annotations

from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent
from tests.actors import Browser, RelyingParty, jwt_claims, sign_in_tokens
from tests.conftest import LiveServer
from tests.logout.test_backchannel import deliver, queued, sign_out, validate_logout_token
from tests.selfservice.pages import open_page, submit


def logout_events(site: LiveServer) -> list[AuditEvent]:
    with site.app.app_context():
        found = list(
            db.session.scalars(select(AuditEvent).filter_by(event="logout").order_by("id"))
        )
        db.session.remove()
    return found


def test_withdrawing_a_portal_tells_it_and_revokes_its_tokens_only(provider, receivers):
    health, provident = receivers
    with provider(workers=0) as site:
        browser = Browser(site.url)
        health_rp = RelyingParty(site.url, "health-portal")
        provident_rp = RelyingParty(site.url, "provident-portal")
        health_tokens = sign_in_tokens(browser, health_rp)
        provident_tokens = sign_in_tokens(browser, provident_rp)
        sid = jwt_claims(health_tokens["id_token"], site.url)[1]["sid"]

        listing = open_page(browser, f"{site.url}/account/applications")
        assert listing.status_code == 200 and "/health-portal/withdraw" in listing.text
        done = submit(browser, listing, "/health-portal/withdraw")
        assert done.status_code == 200 and "L&#39;accès a été retiré." in done.text

        # One logout token, for the health portal, naming the session it was signed in to.
        assert [job.client_id for job in queued(site)] == ["health-portal"]
        assert deliver(site) == 1
        [delivery] = health.wait_for(1)
        _, claims = validate_logout_token(delivery.token, site, "health-portal")
        assert claims["sid"] == sid
        assert claims["sub"] == jwt_claims(health_tokens["id_token"], site.url)[1]["sub"]
        assert provident.received == []
        refused = health_rp.token_request(
            grant_type="refresh_token", refresh_token=health_tokens["refresh_token"]
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        assert health_rp.userinfo(health_tokens["access_token"]).status_code == 401
        # The other portal of the session is untouched.
        assert provident_rp.userinfo(provident_tokens["access_token"]).status_code == 200
        kept = provident_rp.token_request(
            grant_type="refresh_token", refresh_token=provident_tokens["refresh_token"]
        )
        assert kept.status_code == 200, kept.text
        [withdrawn] = logout_events(site)
        assert withdrawn.detail["reason"] == "application_withdrawn"
        assert withdrawn.detail["sessions"] == 0 and withdrawn.detail["token_families"] == 1

        # The session no longer counts the health portal among its clients: signing out at
        # the provident portal later tells the provident portal alone.
        sign_out(site, browser, provident_tokens["id_token"])
        assert [job.client_id for job in queued(site)] == ["provident-portal"]
        assert deliver(site) == 1
        provident.wait_for(1)
        assert len(health.received) == 1
