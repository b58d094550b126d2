"""Activation pages in a real browser (headless Chromium, phone-sized, French): the four fields,
the e-mail, the live password hints under the CSP, errors next to their field, refusals
announced, no CSP violation, no horizontal scrolling."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from idp.accounts.directory import import_members
from tests.selfservice import conftest as selfservice
from tests.selfservice.conftest import Mailbox

# The provider over HTTP with a real SMTP server (tests/selfservice/conftest.py).
smtp = selfservice.smtp
mailbox = selfservice.mailbox
site = selfservice.site

MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
"""
EMAIL = "elodie.darc@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"
MET = re.compile(r"(^|\s)met(\s|$)")
UNMET = re.compile(r"(^|\s)unmet(\s|$)")


@pytest.fixture(autouse=True)
def members(site) -> None:
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))


def assert_clean(page: Page) -> None:
    """No CSP violation (nor script error) so far, and the page fits 375 px."""
    assert page.csp_errors == [], page.url  # type: ignore[attr-defined]
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow} px"


def field(page: Page, label: str) -> Locator:
    return page.get_by_label(label, exact=True)


def request_link(page: Page, site_url: str, mailbox: Mailbox) -> str:
    page.goto(f"{site_url}/activation")
    field(page, "N° d'adhérent").fill("200000001")
    field(page, "Nom").fill("darc")
    field(page, "Prénom").fill("ELODIE ANNE")
    field(page, "Date de naissance").fill("1975-09-30")
    page.get_by_role("button", name="Recevoir mon e-mail d'activation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    return mailbox.link_in_last(EMAIL, "/activation/confirm")


def test_member_activates_in_the_browser_with_live_password_hints(page: Page, site, mailbox):
    page.goto(f"{site.url}/activation")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer mon espace adhérent")
    number = field(page, "N° d'adhérent")
    assert number.get_attribute("name") == "member_number"
    assert field(page, "Nom").get_attribute("autocomplete") == "family-name"
    assert field(page, "Prénom").get_attribute("autocomplete") == "given-name"
    assert field(page, "Date de naissance").get_attribute("autocomplete") == "bday"
    assert field(page, "Date de naissance").get_attribute("type") == "date"
    assert_clean(page)

    link = request_link(page, site.url, mailbox)
    main = page.locator("main").inner_text()
    assert "courriers indésirables" in main and "24 heures" in main
    assert_clean(page)
    assert link.startswith(site.url)

    # The link from the e-mail, in the same browser.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    assert "Bonjour Élodie-Anne" in page.locator("main").inner_text()
    length = page.locator("#password-rules li[data-rule=length]")
    classes = page.locator("#password-rules li[data-rule=classes]")
    status = page.locator("#password-rules-status")
    # The rules are listed before typing, neither met nor unmet.
    expect(length).to_contain_text("Entre 12 et 30 caractères")
    expect(classes).to_contain_text("Au moins 3 de ces 4 types")
    for rule in (length, classes):
        expect(rule).to_be_visible()
        expect(rule).not_to_have_class(MET)
        expect(rule).not_to_have_class(UNMET)
    assert_clean(page)

    # The hints follow the typing, without submitting: password_hints.js runs under the CSP.
    password = page.get_by_label("Nouveau mot de passe")
    password.press_sequentially("tourne")
    expect(length).to_have_class(UNMET)
    expect(classes).to_have_class(UNMET)
    expect(length).to_contain_text("règle non respectée")
    password.fill("")
    password.press_sequentially("Tour-1")
    expect(length).to_have_class(UNMET)
    expect(classes).to_have_class(MET)
    expect(classes).to_contain_text("règle respectée")
    password.fill("")
    password.press_sequentially(NEW_PASSWORD)
    expect(length).to_have_class(MET)
    expect(classes).to_have_class(MET)
    expect(status).to_contain_text("Entre 12 et 30 caractères — règle respectée")
    assert page.url == link  # nothing was submitted
    assert_clean(page)

    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre espace est activé")
    assert_clean(page)


def test_missing_field_is_named_next_to_it_and_the_form_works_by_keyboard(page: Page, site):
    page.goto(f"{site.url}/activation")
    field(page, "N° d'adhérent").fill("200000001")
    field(page, "Nom").fill("D'Arc")
    field(page, "Date de naissance").fill("1975-09-30")
    page.get_by_role("button", name="Recevoir mon e-mail d'activation").click()

    expect(page.get_by_role("alert")).to_contain_text("Corrigez les champs signalés ci-dessous")
    first_name = field(page, "Prénom")
    expect(first_name).to_have_attribute("aria-invalid", "true")
    expect(first_name).to_have_accessible_description("Ce champ est obligatoire.")
    expect(page.locator("#first_name-help")).to_be_visible()
    # Only the missing field is marked; the others keep what was typed.
    for label, value in (("N° d'adhérent", "200000001"), ("Nom", "D'Arc")):
        expect(field(page, label)).not_to_have_attribute("aria-invalid", "true")
        expect(field(page, label)).to_have_value(value)
    expect(field(page, "Date de naissance")).to_have_value("1975-09-30")
    assert_clean(page)

    # Tab from the top of the page: the four fields in order, then the submit button.
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || (e.tagName + ':' + (e.textContent || '').trim()); }"
        )
        if not reached or reached[-1] != focused:  # the date input has one stop per part
            reached.append(focused)
        if focused.startswith("BUTTON:"):
            break
    fields = [r for r in reached if r in ("member_number", "last_name", "first_name", "birth_date")]
    assert fields == ["member_number", "last_name", "first_name", "birth_date"], reached
    assert reached[-1] == "BUTTON:Recevoir mon e-mail d'activation", reached
    assert reached.index("birth_date") == len(reached) - 2, reached

    # The member fills the missing field from the keyboard and sends the form with Enter.
    first_name.focus()
    page.keyboard.type("Élodie-Anne")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    assert_clean(page)


def test_password_refused_by_the_server_is_named_and_the_link_still_works(
    page: Page, site, mailbox
):
    link = request_link(page, site.url, mailbox)
    page.goto(link)
    refused = "Elodie-Tournesol-42"  # long and varied, but contains her first name
    page.get_by_label("Nouveau mot de passe").fill(refused)
    page.get_by_label("Confirmez le mot de passe").fill(refused)
    page.get_by_role("button", name="Valider").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ce mot de passe ne convient pas")
    expect(alert).to_contain_text("ne doit contenir ni votre nom, ni votre prénom")
    expect(alert.get_by_role("listitem")).to_have_count(1)  # only the broken rule
    password = page.get_by_label("Nouveau mot de passe")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_value("")  # never echoed back
    assert_clean(page)

    # The link from the e-mail still opens the form, and a good password goes through.
    response = page.goto(link)
    assert response is not None and response.status == 200
    password.fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre espace est activé")
    assert_clean(page)
