"""The password forms in a real browser (headless Chromium, 375 px phone, French and English):
the rules marked live with the missing character classes named, the server's marks after a
refused password, the caps-lock warning on every password field, no CSP violation.

Chromium's automation input carries no caps-lock state (Playwright's "CapsLock" key leaves
``getModifierState("CapsLock")`` false), so the caps-lock tests send the keyboard events a
keyboard with caps lock on produces (``modifierCapsLock``), read by ``static/caps_lock.js``
through the browser's own ``getModifierState``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import Locator, Page, expect

from idp.accounts.directory import import_members
from tests.actors import Browser, RelyingParty
from tests.e2e.test_activation_pages import assert_clean, request_link
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
MET = re.compile(r"(^|\s)met(\s|$)")
UNMET = re.compile(r"(^|\s)unmet(\s|$)")


@pytest.fixture(autouse=True)
def members(site) -> None:
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))


@pytest.fixture
def english(chromium: Chromium) -> Iterator[Page]:
    """The ``page`` fixture's phone, in English."""
    context = chromium.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
    yield page
    context.close()


def rule(page: Page, name: str) -> Locator:
    return page.locator(f"#password-rules li[data-rule={name}]")


def retype(field: Locator, value: str) -> None:
    field.fill("")
    field.press_sequentially(value)


def caps_lock_key(field: Locator, on: bool) -> None:
    """A key typed in ``field`` with caps lock ``on`` or off."""
    for kind in ("keydown", "keyup"):
        field.dispatch_event(kind, {"key": "A" if on else "a", "modifierCapsLock": on})


def test_rules_are_marked_as_the_member_types_and_name_the_missing_classes(
    page: Page, site, mailbox: Mailbox
):
    page.goto(request_link(page, site.url, mailbox))
    password = page.get_by_label("Nouveau mot de passe")
    classes = rule(page, "classes")
    missing = classes.locator(".rule-missing")
    expect(missing).to_have_text("")  # nothing before typing
    retype(password, "tournesol")
    expect(classes).to_have_class(UNMET)
    expect(missing).to_have_text(
        " Il manque 2 de ces types : une majuscule, un chiffre, un caractère spécial."
    )
    expect(rule(page, "length")).to_have_class(UNMET)
    retype(password, "Tournesol")
    expect(missing).to_have_text(" Il manque : un chiffre ou un caractère spécial.")
    expect(page.locator("#password-rules-status")).to_contain_text(
        "Il manque : un chiffre ou un caractère spécial."
    )
    retype(password, "Tournesol-bleu")
    expect(classes).to_have_class(MET)
    expect(rule(page, "length")).to_have_class(MET)
    expect(missing).to_have_text("")
    # The rules the server alone checks stay neutral while typing.
    expect(rule(page, "not_common")).not_to_have_class(MET)
    expect(rule(page, "not_common")).not_to_have_class(UNMET)
    assert_clean(page)


def test_in_english_the_missing_classes_are_named_too(english: Page, site, mailbox: Mailbox):
    request_activation_in_english(english, site.url)
    link = mailbox.link_in_last(EMAIL, "/activation/confirm")
    english.goto(link)
    expect(english.get_by_role("heading", level=1)).to_have_text("Choose your password")
    password = english.get_by_label("New password")
    retype(password, "tournesol")
    expect(rule(english, "classes").locator(".rule-missing")).to_have_text(
        " Missing 2 of these: an uppercase letter, a digit, a special character."
    )
    retype(password, "Tournesol")
    expect(rule(english, "classes").locator(".rule-missing")).to_have_text(
        " Missing: a digit or a special character."
    )
    expect(rule(english, "classes")).to_contain_text("rule not met")
    assert_clean(english)


def request_activation_in_english(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}/activation")
    page.get_by_label("Member number", exact=True).fill("200000001")
    page.get_by_label("Last name", exact=True).fill("D'Arc")
    expect(page.get_by_text("Exactly as on your membership card.").first).to_be_visible()
    page.get_by_label("First name", exact=True).fill("Élodie-Anne")
    page.get_by_label("Date of birth", exact=True).fill("1975-09-30")
    page.get_by_role("button", name="Send my activation e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
    main = page.locator("main").inner_text()
    assert "exactly as on your membership card" in main and "04 72 27 72 72" in main
    assert_clean(page)


def test_a_refused_password_leaves_the_servers_marks_until_the_member_types(
    page: Page, site, mailbox: Mailbox
):
    page.goto(request_link(page, site.url, mailbox))
    page.get_by_label("Nouveau mot de passe").fill("tournesol")
    page.get_by_label("Confirmez le mot de passe").fill("tournesal")
    page.get_by_role("button", name="Valider").click()

    alert = page.get_by_role("alert")
    expect(alert.get_by_role("listitem")).to_have_count(3)  # short, classes, mismatch
    expect(alert).to_contain_text("Les deux mots de passe saisis sont différents.")
    expect(alert).to_contain_text("les mots de passe saisis ont été effacés")
    # The server's marks, kept by the script on load although the field is empty.
    expect(rule(page, "length")).to_have_class(UNMET)
    expect(rule(page, "classes")).to_have_class(UNMET)
    expect(rule(page, "classes")).to_contain_text("Il manque 2 de ces types")
    expect(rule(page, "not_common")).to_have_class(MET)
    password = page.get_by_label("Nouveau mot de passe")
    expect(password).to_have_value("")
    assert_clean(page)

    # Typing a new password checks it afresh: the server's marks about the old one go.
    password.press_sequentially("Tournesol-bleu")
    expect(rule(page, "classes")).to_have_class(MET)
    expect(rule(page, "not_common")).not_to_have_class(MET)
    expect(rule(page, "not_common")).not_to_contain_text("règle respectée")


def test_caps_lock_is_announced_next_to_every_password_field(page: Page, site, mailbox):
    # The sign-in's password.
    page.goto(RelyingParty(site.url, "health-portal").authorize_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à votre espace")
    password = page.get_by_label("Mot de passe", exact=True)
    notice = page.locator("#password-caps")
    expect(notice).to_have_attribute("aria-live", "polite")
    password.click()
    password.press("CapsLock")  # the automation's key: no caps-lock state, no warning
    password.press_sequentially("ab")
    expect(notice).to_have_text("")
    caps_lock_key(password, on=True)
    expect(notice).to_have_text("Verrouillage des majuscules activé")
    expect(notice).to_be_visible()
    caps_lock_key(password, on=False)
    expect(notice).to_have_text("")
    caps_lock_key(password, on=True)
    page.get_by_label("N° d'adhérent ou adresse e-mail").focus()  # leaving the field
    expect(notice).to_have_text("")
    assert_clean(page)

    # The new password and its confirmation.
    page.goto(request_link(page, site.url, mailbox))
    fields = (
        ("Nouveau mot de passe", "password-caps"),
        ("Confirmez le mot de passe", "password_confirmation-caps"),
    )
    for label, notice_id in fields:
        field = page.get_by_label(label)
        field.focus()
        caps_lock_key(field, on=True)
        expect(page.locator(f"#{notice_id}")).to_have_text("Verrouillage des majuscules activé")
        expect(field).to_have_accessible_description(re.compile("Verrouillage des majuscules"))
        caps_lock_key(field, on=False)
        expect(page.locator(f"#{notice_id}")).to_have_text("")
    assert_clean(page)


def test_caps_lock_on_the_current_password_in_english(english: Page, site):
    member = Browser(site.url)
    member.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    english.context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": site.url} for c in member.http.cookies]
    )
    english.goto(f"{site.url}/account/password")
    expect(english.get_by_role("heading", level=1)).to_have_text("Change my password")
    field = english.get_by_label("Current password")
    assert field.get_attribute("autocomplete") == "current-password"
    field.focus()
    caps_lock_key(field, on=True)
    expect(english.locator("#current_password-caps")).to_have_text("Caps Lock is on")
    caps_lock_key(field, on=False)
    expect(english.locator("#current_password-caps")).to_have_text("")
    assert_clean(english)


def test_without_javascript_no_caps_lock_warning_is_shown(chromium: Chromium, site):
    context = chromium.new_context(
        viewport={"width": 375, "height": 740}, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(RelyingParty(site.url, "health-portal").authorize_url())
        expect(page.locator("#password-caps")).to_have_text("")
        page.get_by_label("Mot de passe", exact=True).fill("abc")
        expect(page.locator("#password-caps")).to_have_text("")
    finally:
        context.close()
