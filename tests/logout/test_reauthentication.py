"""Logout after re-authentication in the same browser (docs/sessions.md): portals that look
their sessions up by ``sid`` only, as mod_auth_openidc does, are signed out, and every refresh
token issued under the session — before and after the re-authentication — stops working.

The three ways a member re-authenticates before signing out: ``prompt=login``, an expired
``max_age``, and a step-up to the one-time code.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent, OutboxMessage
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    jwt_claims,
    sign_in_tokens,
)
from tests.conftest import LiveServer
from tests.logout.conftest import Receiver
from tests.logout.test_backchannel import validate_logout_token
from tests.selfservice.pages import choose_password, open_page, submit

LINK = re.compile(r"(http\S+/password/reset\?token=[\w-]+)")


@dataclass
class SidPortal:
    """A relying party that keeps its sessions by the ``sid`` of the ID token, and ends one
    only when a logout token names that ``sid``."""

    rp: RelyingParty
    receiver: Receiver
    sessions: dict[str, str] = field(default_factory=dict)  # sid → refresh token

    def signed_in(self, tokens: dict, site: LiveServer) -> str:
        sid = jwt_claims(tokens["id_token"], site.url)[1]["sid"]
        self.sessions[sid] = tokens.get("refresh_token", "")
        return sid

    def receive_logouts(self, site: LiveServer, count: int) -> set[str]:
        """The sids the logout tokens named (each token validated as a portal would)."""
        ended = set()
        for delivery in self.receiver.wait_for(count):
            _, claims = validate_logout_token(delivery.token, site, self.rp.client_id)
            ended.add(claims["sid"])
        return ended

    def refresh_works(self, sid: str) -> bool:
        answer = self.rp.token_request(grant_type="refresh_token", refresh_token=self.sessions[sid])
        return answer.status_code == 200


def logout(site: LiveServer, browser: Browser, id_token: str) -> None:
    meta = site.discovery()
    page = browser.go(f"{meta['end_session_endpoint']}?{urlencode({'id_token_hint': id_token})}")
    assert isinstance(page, requests.Response) and "déconnecté" in page.text, page


def reset_password(site: LiveServer, password: str) -> None:
    """Forgotten password, by the link of the e-mail (read from the development outbox)."""
    browser = Browser(site.url)
    page = open_page(browser, f"{site.url}/password/forgot")
    submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER)
    link = None
    for _ in range(50):  # the e-mail may be on its way
        with site.app.app_context():
            text = db.session.scalars(
                select(OutboxMessage.text).filter_by(purpose="password_reset")
            ).first()
            db.session.remove()
        if text and (match := LINK.search(text)):
            link = match.group(1)
            break
        time.sleep(0.1)
    assert link, "no reset e-mail"
    done = choose_password(Browser(site.url), link, password)
    assert done.status_code == 200 and "Mot de passe modifié" in done.text


def logout_event(site: LiveServer) -> AuditEvent:
    with site.app.app_context():
        event = db.session.query(AuditEvent).filter_by(event="logout").one()
        db.session.expunge(event)
        db.session.remove()
        return event


def portals(site: LiveServer, receivers) -> tuple[SidPortal, SidPortal]:
    health, provident = receivers
    return (
        SidPortal(RelyingParty(site.url, "health-portal"), health),
        SidPortal(RelyingParty(site.url, "provident-portal"), provident),
    )


def assert_both_signed_out(site, health: SidPortal, provident: SidPortal, before, after) -> None:
    event = logout_event(site)
    assert event.detail["token_families"] == 2
    assert health.receive_logouts(site, 1) == set(health.sessions)
    assert provident.receive_logouts(site, 1) == set(provident.sessions)
    assert not health.refresh_works(before)
    assert not provident.refresh_works(after)


def test_logout_after_prompt_login_reaches_the_portal_signed_in_before(provider, receivers):
    with provider(workers=1) as site:
        health, provident = portals(site, receivers)
        browser = Browser(site.url)
        before = health.signed_in(sign_in_tokens(browser, health.rp), site)
        # The member signs in again in the same browser, asked to (prompt=login).
        tokens = sign_in_tokens(browser, provident.rp, prompt="login")
        after = provident.signed_in(tokens, site)

        # The relying parties know one session: the same sid before and after.
        assert after == before
        logout(site, browser, tokens["id_token"])

        assert_both_signed_out(site, health, provident, before, after)


def test_logout_after_an_expired_max_age(provider, receivers):
    with provider(workers=1) as site:
        health, provident = portals(site, receivers)
        browser = Browser(site.url)
        before = health.signed_in(sign_in_tokens(browser, health.rp), site)
        time.sleep(2.1)  # auth_time has whole seconds: 2 s is surely past max_age=1
        # max_age=1: the sign-in above is too old, the member authenticates again.
        page = browser.go(provident.rp.authorize_url(max_age="1"))
        assert isinstance(page, requests.Response) and 'name="password"' in page.text
        callback = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
        tokens = provident.rp.fetch_token(callback)
        after = provident.signed_in(tokens, site)
        assert after == before

        logout(site, browser, tokens["id_token"])

        assert_both_signed_out(site, health, provident, before, after)


def test_logout_after_a_step_up_to_the_code(provider, receivers):
    mobile_receiver = Receiver()
    try:
        with provider(workers=1, mobile=mobile_receiver) as site:
            health, _ = portals(site, receivers)
            mobile = SidPortal(RelyingParty(site.url, "mobile-app"), mobile_receiver)
            browser = Browser(site.url)
            # The app: a full sign-in, then (this device remembered) the password alone.
            sign_in_tokens(browser, mobile.rp)
            tokens = sign_in_tokens(browser, mobile.rp, prompt="login")
            before = mobile.signed_in(tokens, site)
            assert jwt_claims(tokens["id_token"], site.url)[1]["amr"] == ["pwd"]
            # The health portal demands the code: the session is stepped up with it alone.
            page = browser.go(health.rp.authorize_url())
            assert isinstance(page, requests.Response) and 'name="password"' not in page.text
            portal_tokens = health.rp.fetch_token(browser.pass_code_step(page))
            after = health.signed_in(portal_tokens, site)
            assert after == before

            logout(site, browser, portal_tokens["id_token"])

            assert health.receive_logouts(site, 1) == {after}
            assert mobile.receive_logouts(site, 1) == {before}
            assert not health.refresh_works(after)
    finally:
        mobile_receiver.close()


def test_a_password_reset_signs_the_portals_out(provider, receivers):
    with provider(workers=1) as site:
        health, provident = portals(site, receivers)
        browser = Browser(site.url)
        sid = health.signed_in(sign_in_tokens(browser, health.rp), site)
        provident.signed_in(sign_in_tokens(browser, provident.rp), site)

        reset_password(site, "Brand-New-Horse-93")

        assert health.receive_logouts(site, 1) == {sid}
        assert provident.receive_logouts(site, 1) == {sid}
        assert not health.refresh_works(sid)
        assert not provident.refresh_works(sid)
