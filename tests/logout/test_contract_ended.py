"""A contract that ends (the directory import drops it) signs the member out of the
applications that required it, at once, and of nothing else (docs/sessions.md)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent
from tests.actors import Browser, RelyingParty, query, sign_in_tokens
from tests.conftest import LiveServer

HEADER = "member_number,last_name,first_name,birth_date,email,phone,contracts"
DEMO_ROW = "100000001,Martin,Camille,1980-04-12,camille.martin@example.org,+33612345678,{}"


def test_ending_the_health_contract_signs_the_app_out_but_not_the_portal(
    server: LiveServer, tmp_path: Path
):
    browser = Browser(server.url)
    app = RelyingParty(server.url, "mobile-app", scope="openid profile member offline_access")
    portal = RelyingParty(server.url, "health-portal")
    app_tokens = sign_in_tokens(browser, app)
    portal_tokens = sign_in_tokens(browser, portal)
    assert app.userinfo(app_tokens["access_token"]).status_code == 200

    members = tmp_path / "members.csv"
    members.write_text(f"{HEADER}\n{DEMO_ROW.format('provident')}\n")
    result = server.app.test_cli_runner().invoke(args=["members", "import", str(members)])

    assert result.exit_code == 0, result.output
    assert "1 member(s) lost a contract" in result.output
    # The app's tokens stop working now, not at their expiry.
    assert app.userinfo(app_tokens["access_token"]).status_code == 401
    refused = app.token_request(grant_type="refresh_token",
                                refresh_token=app_tokens["refresh_token"])  # fmt: skip
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    # The portal, open to every member, is untouched, and so is the single sign-on session.
    assert portal.userinfo(portal_tokens["access_token"]).status_code == 200
    kept = portal.token_request(grant_type="refresh_token",
                                refresh_token=portal_tokens["refresh_token"])  # fmt: skip
    assert kept.status_code == 200
    silent = browser.go(portal.authorize_url(prompt="none"))
    assert isinstance(silent, str) and "code" in query(silent)
    with server.app.app_context():
        [logout] = db.session.scalars(select(AuditEvent).filter_by(event="logout")).all()
    assert logout.detail["reason"] == "contract_ended" and logout.detail["token_families"] == 1
