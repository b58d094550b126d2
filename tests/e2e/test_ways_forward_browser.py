"""Ways forward in a real browser (headless Chromium, 375 px phone, French): after a refused
form, "English" shows the same step in English with its error and what was typed; the "not
found" and "expired" pages have a button that leads to a page that answers."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect

from idp.accounts.directory import import_members
from tests.actors import DEMO_NUMBER, RelyingParty
from tests.selfservice import conftest as selfservice

# The provider over HTTP with a real SMTP server (tests/selfservice/conftest.py).
smtp = selfservice.smtp
mailbox = selfservice.mailbox
site = selfservice.site

MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
"""
CAMILLE = "camille.martin@example.org"


def assert_clean(page: Page) -> None:
    """No CSP violation (nor script error) so far, and the page fits 375 px."""
    assert page.csp_errors == [], page.url  # type: ignore[attr-defined]
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow} px"


def to_english(page: Page) -> None:
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_english_after_a_wrong_password_keeps_the_step(page: Page, site):
    portal = RelyingParty(site.url, "health-portal")
    page.goto(portal.authorize_url())
    page.get_by_label("N° d'adhérent ou adresse e-mail").fill(DEMO_NUMBER)
    page.get_by_label("Mot de passe", exact=True).fill("Wrong-Password-000")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect")
    step_url = page.url
    to_english(page)
    expect(page.get_by_role("alert")).to_contain_text("Incorrect identifier or password")
    expect(page.get_by_label("Member number or e-mail address")).to_have_value(DEMO_NUMBER)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert "/login/" in page.url and "Wrong-Password" not in page.url
    assert page.url.split("?")[0] == step_url.split("?")[0].removesuffix("/password")
    assert_clean(page)


def test_english_after_a_refused_activation_password_keeps_the_form(page: Page, site, mailbox):
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))
    page.goto(f"{site.url}/activation")
    page.get_by_label("N° d'adhérent", exact=True).fill("200000001")
    page.get_by_label("Nom", exact=True).fill("darc")
    page.get_by_label("Prénom", exact=True).fill("Élodie-Anne")
    page.get_by_label("Date de naissance", exact=True).fill("1975-09-30")
    page.get_by_role("button", name="Recevoir mon e-mail d'activation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    page.goto(mailbox.link_in_last("elodie.darc@example.org", "/activation/confirm"))
    refuse_a_short_password(page)


def test_english_after_a_refused_reset_password_keeps_the_form(page: Page, site, mailbox):
    page.goto(f"{site.url}/password/forgot")
    page.get_by_label("N° d'adhérent ou adresse e-mail").fill(DEMO_NUMBER)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    page.goto(mailbox.link_in_last(CAMILLE, "/password/reset"))
    refuse_a_short_password(page)


def refuse_a_short_password(page: Page) -> None:
    page.get_by_label("Nouveau mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmez le mot de passe", exact=True).fill("court")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#password-failures")).to_be_visible()
    to_english(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("password")
    expect(page.locator("#password-failures")).to_be_visible()
    assert "Something went wrong" not in page.locator("main").inner_text()
    assert "token=" not in page.url and "court" not in page.url
    assert_clean(page)
    # The member goes on from the English page.
    page.get_by_label("New password", exact=True).fill("Tournesol-Bleu-2024")
    page.get_by_label("Confirm the password", exact=True).fill("Tournesol-Bleu-2024")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("link", name="Sign in to my online account")).to_be_visible()
    assert_clean(page)


@pytest.mark.parametrize(
    ("path", "button"),
    [("/nowhere", "Se connecter à mon espace client"), ("/login/gone", "Recommencer la connexion")],
)
def test_dead_end_pages_have_a_way_forward_that_answers(page: Page, site, path, button):
    first = page.goto(f"{site.url}{path}")
    assert first is not None and first.status in (400, 404)
    assert_clean(page)
    expect(page.get_by_role("link", name="Retour à mon compte")).to_be_visible()
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name=button).click()
    answer = navigation.value
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre espace de connexion")
    expect(page.get_by_role("link", name="Aller sur « Espace santé »")).to_be_visible()
    assert_clean(page)
