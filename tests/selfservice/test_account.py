"""Password change when signed in: current password required, notice e-mail."""

from __future__ import annotations

import requests

from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty
from tests.selfservice.pages import open_page, submit

EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"


def signed_in(site) -> Browser:
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    return browser


def test_signed_in_member_changes_password_and_gets_a_notice(site, mailbox):
    browser = signed_in(site)
    account = open_page(browser, f"{site.url}/account")
    assert account.status_code == 200 and "Camille Martin" in account.text
    form = open_page(browser, f"{site.url}/account/password")
    assert 'autocomplete="current-password"' in form.text
    assert 'autocomplete="new-password"' in form.text
    done = submit(
        browser, form, "/account/password", current_password=DEMO_PASSWORD,
        password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
    )  # fmt: skip
    assert done.status_code == 200
    notice = mailbox.last_to(EMAIL)
    assert "mot de passe" in notice["Subject"].lower()
    portal = RelyingParty(site.url, "provident-portal")
    assert Browser(site.url).sign_in(portal.authorize_url(), DEMO_NUMBER, NEW_PASSWORD)


def test_wrong_current_password_changes_nothing(site, mailbox):
    browser = signed_in(site)
    form = open_page(browser, f"{site.url}/account/password")
    refused = submit(
        browser, form, "/account/password", current_password="wrong-password",
        password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
    )  # fmt: skip
    assert refused.status_code == 400 and "actuel est incorrect" in refused.text
    subjects = [str(r.message["Subject"]) for r in mailbox.smtp.received]
    assert not any("modifié" in s for s in subjects), subjects  # no change, no notice
    portal = RelyingParty(site.url, "health-portal")
    assert Browser(site.url).sign_in(portal.authorize_url(), DEMO_NUMBER, DEMO_PASSWORD)


def test_account_pages_need_a_session(site):
    for path in ("/account", "/account/password"):
        response = requests.get(f"{site.url}{path}", timeout=10)
        assert response.status_code == 401 and "pas connecté" in response.text


def test_every_account_page_offers_to_sign_out(site):
    browser = signed_in(site)
    for path in ("/account", "/account/password", "/account/sessions", "/account/devices",
                 "/account/applications"):  # fmt: skip
        page = open_page(browser, f"{site.url}{path}")
        assert page.status_code == 200, path
        assert 'class="sign-out" href="/logout"' in page.text and "Se déconnecter" in page.text
    confirm = open_page(browser, f"{site.url}/logout")
    assert "Voulez-vous vous déconnecter" in confirm.text
    done = submit(browser, confirm, "/logout/confirm")
    assert isinstance(done, requests.Response) and "Vous êtes déconnecté" in done.text
    signed_out = requests.get(f"{site.url}/account", cookies=browser.http.cookies, timeout=10)
    assert signed_out.status_code == 401 and 'class="sign-out"' not in signed_out.text
