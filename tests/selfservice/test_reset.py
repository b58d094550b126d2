"""Forgotten password: the same answer for everyone, a single-use link, and a reset that
signs the member out everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from idp.db import db, utcnow
from idp.models import AuditEvent, Member
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty
from tests.selfservice.pages import choose_password, open_page, submit

EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"


def ask_reset(site, identifier: str, browser: Browser | None = None) -> requests.Response:
    browser = browser or Browser(site.url)
    page = open_page(browser, f"{site.url}/password/forgot")
    answer = submit(browser, page, "/password/forgot", identifier=identifier)
    assert isinstance(answer, requests.Response)
    return answer


def main_text(page: requests.Response) -> str:
    return page.text[page.text.index("<main") : page.text.index("</main>")]


@pytest.mark.parametrize("identifier", [DEMO_NUMBER, "Camille.Martin@Example.org"])
def test_reset_by_number_or_email_then_sign_in_with_the_new_password(site, mailbox, identifier):
    answer = ask_reset(site, identifier)
    assert answer.status_code == 200 and "Consultez votre messagerie" in answer.text
    link = mailbox.link_in_last(EMAIL, "/password/reset")
    assert (
        "Réinitialiser mon mot de passe"
        in mailbox.last_to(EMAIL).get_body(preferencelist=("html",)).get_content()
    )
    done = choose_password(Browser(site.url), link, NEW_PASSWORD)
    assert done.status_code == 200 and "Mot de passe modifié" in done.text

    notice = mailbox.last_to(EMAIL)
    assert "04 72 27 72 72" in notice.get_body(preferencelist=("plain",)).get_content()
    portal = RelyingParty(site.url, "health-portal")
    assert Browser(site.url).sign_in(portal.authorize_url(), DEMO_NUMBER, NEW_PASSWORD)
    old = Browser(site.url)
    page = old.go(portal.authorize_url())
    refused = old.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(refused, requests.Response) and refused.status_code == 401


@pytest.mark.parametrize("identifier", ["999999999", "nobody@example.org", "x"])
def test_unknown_identifiers_get_the_same_answer_and_no_email(site, mailbox, identifier):
    known = ask_reset(site, DEMO_NUMBER)
    unknown = ask_reset(site, identifier)
    assert unknown.status_code == known.status_code == 200
    assert main_text(unknown) == main_text(known)
    assert len(mailbox.smtp.received) == 1


def test_reset_ends_sessions_and_refresh_tokens_and_clears_the_lock(site, mailbox):
    portal = RelyingParty(site.url, "health-portal")
    signed_in = Browser(site.url)
    tokens = portal.fetch_token(signed_in.sign_in(portal.authorize_url()))
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        member.locked_until = utcnow() + timedelta(hours=24)
        db.session.commit()

    ask_reset(site, DEMO_NUMBER)
    choose_password(Browser(site.url), mailbox.link_in_last(EMAIL, "/password/reset"), NEW_PASSWORD)

    refresh = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    assert portal.userinfo(tokens["access_token"]).status_code == 401
    # The old SSO session is gone: the same browser sees the password page again.
    page = signed_in.go(portal.authorize_url())
    assert isinstance(page, requests.Response) and 'autocomplete="current-password"' in page.text
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        assert member.locked_until is None
        events = set(db.session.scalars(select(AuditEvent.event)))
    assert {"reset.requested", "reset.completed", "sessions.ended"} <= events


def test_reset_is_available_while_the_account_is_locked(site, mailbox):
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        member.locked_until = utcnow() + timedelta(hours=24)
        db.session.commit()
    assert ask_reset(site, DEMO_NUMBER).status_code == 200
    assert mailbox.link_in_last(EMAIL, "/password/reset")


def test_new_password_must_differ_from_the_previous_ones(site, mailbox):
    ask_reset(site, DEMO_NUMBER)
    browser = Browser(site.url)
    form = open_page(browser, mailbox.link_in_last(EMAIL, "/password/reset"))
    refused = submit(
        browser, form, "/", password=DEMO_PASSWORD, password_confirmation=DEMO_PASSWORD
    )
    assert refused.status_code == 400 and "derniers mots de passe" in refused.text


def test_link_expires_is_single_use_and_is_replaced_by_a_newer_one(site, mailbox):
    ask_reset(site, DEMO_NUMBER)
    first = mailbox.link_in_last(EMAIL, "/password/reset")
    ask_reset(site, DEMO_NUMBER)
    second = mailbox.link_in_last(EMAIL, "/password/reset")
    assert open_page(Browser(site.url), first).status_code == 400  # replaced
    runtime(site.app).clock.advance(hours=25)
    expired = open_page(Browser(site.url), second)
    assert expired.status_code == 400 and "a expiré" in expired.text
    runtime(site.app).clock.advance(hours=-25)
    assert choose_password(Browser(site.url), second, NEW_PASSWORD).status_code == 200
    used = open_page(Browser(site.url), second)
    assert used.status_code == 400 and "déjà été utilisé" in used.text
    with site.app.app_context():
        events = set(db.session.scalars(select(AuditEvent.event)))
    assert {"reset.link_expired", "reset.link_invalid"} <= events


def test_any_password_change_invalidates_pending_links(site, mailbox):
    ask_reset(site, DEMO_NUMBER)
    pending = mailbox.link_in_last(EMAIL, "/password/reset")
    # The member changes the password from the account page instead.
    browser = Browser(site.url)
    portal = RelyingParty(site.url, "health-portal")
    browser.sign_in(portal.authorize_url())
    form = open_page(browser, f"{site.url}/account/password")
    changed = submit(
        browser, form, "/account/password", current_password=DEMO_PASSWORD,
        password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
    )  # fmt: skip
    assert changed.status_code == 200 and "Mot de passe modifié" in changed.text
    assert open_page(Browser(site.url), pending).status_code == 400
