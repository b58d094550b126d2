"""Devices on the account page: the member's passkeys listed, renamed and removed, with an
e-mail notice when one is added or removed; a password reset leaves them in place."""

from __future__ import annotations

import html
import secrets
from datetime import datetime

import pytest
import requests
from sqlalchemy import select

from idp.accounts.devices import notify_device_added
from idp.authenticators import passkeys
from idp.db import db
from idp.models import AuditEvent, Member, PasskeyCredential
from idp.notifications import current_notifier
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, Browser, RelyingParty, add_member, form_fields
from tests.selfservice.pages import choose_password, open_page, submit
from tests.selfservice.test_reset import ask_reset

EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"
# Stored times are naive UTC; pages and e-mails show Europe/Paris (UTC+1 in March, +2 in July).
ADDED = datetime(2025, 3, 4, 13, 5)
USED = datetime(2025, 7, 14, 8, 30)


def signed_in(site) -> Browser:
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    return browser


def add_device(app, name: str, member_number: str = DEMO_NUMBER,
               last_used_at: datetime | None = None) -> int:  # fmt: skip
    with app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=member_number)).one()
        credential = PasskeyCredential(
            member_id=member.id,
            credential_id=secrets.token_bytes(32),
            public_key=b"cose-key",
            name=name,
            created_at=ADDED,
            last_used_at=last_used_at,
        )
        db.session.add(credential)
        db.session.commit()
        return credential.id


def device_names(app, member_number: str = DEMO_NUMBER) -> list[str]:
    with app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=member_number)).one()
        names = [c.name for c in passkeys.credentials_of(member)]
        db.session.remove()
        return names


def events(app, name: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
        return found


def main_text(page: requests.Response) -> str:
    """The page's main content as the member reads it (entities decoded)."""
    return html.unescape(page.text[page.text.index("<main") : page.text.index("</main>")])


def post_form(browser: Browser, site, action: str, **data: str) -> requests.Response:
    page = open_page(browser, f"{site.url}/account/devices")
    answer = submit(browser, page, action, **data)
    assert isinstance(answer, requests.Response)
    return answer


def test_account_page_links_to_the_devices(site):
    account = open_page(signed_in(site), f"{site.url}/account")
    assert 'href="/account/devices"' in account.text
    assert "Mes appareils (Face ID / empreinte)" in account.text


def test_devices_are_listed_with_their_dates_in_the_members_time_zone(site):
    add_device(site.app, "iPhone de Camille", last_used_at=USED)
    add_device(site.app, "Pixel 8")
    browser = signed_in(site)
    page = main_text(open_page(browser, f"{site.url}/account/devices"))
    assert "iPhone de Camille" in page and "Pixel 8" in page
    assert "Ajouté le 04/03/2025 à 14:05" in page
    assert "Dernière utilisation : 14/07/2025 à 10:30" in page
    assert "Dernière utilisation : jamais" in page
    assert page.count('name="csrf_token"') == 4  # a rename and a remove form per device
    assert 'maxlength="100"' in page
    english = main_text(open_page(browser, f"{site.url}/account/devices?lang=en"))
    assert "Added on 2025-03-04 14:05" in english and "Last used: never" in english


def test_no_device_says_how_to_turn_biometrics_on(site):
    page = main_text(open_page(signed_in(site), f"{site.url}/account/devices"))
    assert "Aucun appareil" in page and "application mobile" in page
    assert "<form" not in page


def test_rename_is_shown_and_audited(site):
    device = add_device(site.app, "iPhone")
    browser = signed_in(site)
    done = post_form(browser, site, f"/{device}/rename", name="  iPhone   du salon ")
    assert done.status_code == 200 and done.url.endswith("/account/devices?done=renamed")
    assert "L'appareil a été renommé." in main_text(done) and "iPhone du salon" in done.text
    assert device_names(site.app) == ["iPhone du salon"]
    (event,) = events(site.app, "passkey.renamed")
    assert event.detail == {"device": device, "before": "iPhone", "after": "iPhone du salon"}


@pytest.mark.parametrize("name", ["", "   "])
def test_blank_name_is_refused_and_nothing_changes(site, name):
    device = add_device(site.app, "iPhone")
    refused = post_form(signed_in(site), site, f"/{device}/rename", name=name)
    assert refused.status_code == 400
    assert "Indiquez un nom pour cet appareil." in main_text(refused)
    assert 'aria-invalid="true"' in refused.text
    assert device_names(site.app) == ["iPhone"]
    assert events(site.app, "passkey.renamed") == []


def test_remove_is_shown_audited_and_emailed(site, mailbox):
    add_device(site.app, "iPhone")
    device = add_device(site.app, "Pixel 8")
    browser = signed_in(site)
    page = open_page(browser, f"{site.url}/account/devices")
    assert "seul appareil" not in main_text(page)  # two devices: removing one changes no sign-in
    done = submit(browser, page, f"/{device}/remove")
    assert done.status_code == 200 and done.url.endswith("?done=removed")
    assert "L'appareil a été retiré" in main_text(done) and "Pixel 8" not in main_text(done)
    assert device_names(site.app) == ["iPhone"]
    (event,) = events(site.app, "passkey.removed")
    assert event.detail == {"device": device, "name": "Pixel 8", "remaining": 1}

    notice = mailbox.last_to(EMAIL)
    assert notice["Subject"] == "Un appareil a été retiré de votre compte"
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Camille," in text and "« Pixel 8 »" in text
    assert f"{site.url}/account/devices" in text and "04 72 27 72 72" in text


def test_removing_the_last_device_returns_to_password_and_code(site, mailbox):
    device = add_device(site.app, "iPhone")
    browser = signed_in(site)
    page = open_page(browser, f"{site.url}/account/devices")
    assert "vous vous connecterez avec votre mot de passe et un code de sécurité" in main_text(page)
    done = submit(browser, page, f"/{device}/remove")
    assert done.status_code == 200 and done.url.endswith("?done=removed_last")
    assert "désormais avec votre mot de passe et un code de sécurité" in main_text(done)
    assert "Aucun appareil" in main_text(done)
    assert device_names(site.app) == []


def test_another_members_device_is_not_found_and_stays(site):
    add_member(site.app, "300000001", "Autre-Mot-De-Passe-77", email="alex@example.org")
    theirs = add_device(site.app, "Téléphone d'Alex", member_number="300000001")
    add_device(site.app, "iPhone")
    browser = signed_in(site)
    for action, data in (("remove", {}), ("rename", {"name": "À moi"})):
        page = open_page(browser, f"{site.url}/account/devices")
        fields = {**form_fields(page.text), **data}
        answer = browser.go(f"{site.url}/account/devices/{theirs}/{action}", "POST", fields)
        assert isinstance(answer, requests.Response)
        assert answer.status_code == 404
        assert "Cet appareil n'existe pas ou a déjà été retiré." in main_text(answer)
    unknown = browser.go(f"{site.url}/account/devices/999999/remove", "POST", fields)
    assert isinstance(unknown, requests.Response) and unknown.status_code == 404
    assert device_names(site.app, "300000001") == ["Téléphone d'Alex"]
    assert device_names(site.app) == ["iPhone"]
    assert events(site.app, "passkey.removed") == events(site.app, "passkey.renamed") == []


def test_a_post_without_the_csrf_token_changes_nothing(site):
    device = add_device(site.app, "iPhone")
    browser = signed_in(site)
    for action, data in (("remove", {}), ("rename", {"name": "Volé"})):
        answer = browser.go(f"{site.url}/account/devices/{device}/{action}", "POST", data)
        assert isinstance(answer, requests.Response)
        assert answer.status_code == 400 and "Votre formulaire a expiré" in answer.text
    assert device_names(site.app) == ["iPhone"]


def test_signed_out_visitors_get_the_signed_out_page(site):
    device = add_device(site.app, "iPhone")
    listed = requests.get(f"{site.url}/account/devices", timeout=10)
    assert listed.status_code == 401 and "pas connecté" in listed.text
    stranger = Browser(site.url)
    token = form_fields(open_page(stranger, f"{site.url}/password/forgot").text)["csrf_token"]
    for action in ("remove", "rename"):
        answer = stranger.go(
            f"{site.url}/account/devices/{device}/{action}", "POST",
            {"csrf_token": token, "name": "Volé"},
        )  # fmt: skip
        assert isinstance(answer, requests.Response)
        assert answer.status_code == 401 and "pas connecté" in answer.text
    assert device_names(site.app) == ["iPhone"]


def test_a_password_reset_leaves_devices_in_place(site, mailbox):
    add_device(site.app, "iPhone de Camille")
    ask_reset(site, DEMO_NUMBER)
    done = choose_password(
        Browser(site.url), mailbox.link_in_last(EMAIL, "/password/reset"), NEW_PASSWORD
    )
    assert done.status_code == 200
    assert device_names(site.app) == ["iPhone de Camille"]
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url(), password=NEW_PASSWORD)
    assert "iPhone de Camille" in main_text(open_page(browser, f"{site.url}/account/devices"))


@pytest.mark.parametrize(
    ("lang", "subject", "sentence"),
    [
        ("fr", "Connexion par Face ID / empreinte activée sur un appareil",
         "a été activée le 04/03/2025 à 14:05 sur l'appareil « iPhone de Camille »"),
        ("en", "Face ID / fingerprint sign-in turned on for a device",
         "On 2025-03-04 14:05, sign-in with Face ID or fingerprint"),
    ],
)  # fmt: skip
def test_a_new_device_is_announced_by_email(site, mailbox, lang, subject, sentence):
    device = add_device(site.app, "iPhone de Camille")
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        credential = db.session.get_one(PasskeyCredential, device)
        notify_device_added(
            member, credential, lang, notifier=current_notifier(), clock=runtime().clock
        )
        db.session.remove()
    notice = mailbox.last_to(EMAIL)
    assert notice["Subject"] == subject
    text = notice.get_body(preferencelist=("plain",)).get_content()
    html_body = notice.get_body(preferencelist=("html",)).get_content()
    assert sentence in " ".join(text.split())
    assert "iPhone de Camille" in text and "iPhone de Camille" in html_body
    devices_page = f"{site.url}/account/devices"
    assert devices_page in text and f'href="{devices_page}"' in html_body
    assert "04 72 27 72 72" in text


def test_no_email_on_file_means_no_notice(site, mailbox):
    add_member(site.app, "300000002", "Autre-Mot-De-Passe-77", email=None)
    device = add_device(site.app, "Pixel", member_number="300000002")
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number="300000002")).one()
        credential = db.session.get_one(PasskeyCredential, device)
        notify_device_added(
            member, credential, "fr", notifier=current_notifier(), clock=runtime().clock
        )
        db.session.remove()
    assert mailbox.smtp.received == []
