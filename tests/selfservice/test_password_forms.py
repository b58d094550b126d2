"""The password forms (activation, reset, password change) and the activation form as a member
meets them after a mistake: every failure named at once, each rule marked by the server, what
was typed kept (never a password), the account's identifier for password managers, and the
activation's answer the same for a member and a stranger."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
import requests

from idp.accounts.directory import import_members
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty, form_fields
from tests.selfservice.pages import open_page, request_activation, submit

MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
"""
LATE_MEMBER = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000003,Lefèvre,Jean,1982-03-14,jean.lefevre@example.org,+33612000003,health
"""
EMAIL = "elodie.darc@example.org"


@pytest.fixture(autouse=True)
def members(site):
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))


class Page(HTMLParser):
    """What a browser would show of a form page: the rules list items (their classes and
    text), the inputs (their attributes), the alert's items."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.rules: dict[str, tuple[str, str]] = {}  # data-rule -> (class, text)
        self.alert_items: list[str] = []
        self._rule: tuple[str, str] | None = None
        self._text: list[str] = []
        self._in_alert = 0
        self._alert_item: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.inputs[str(attributes["name"])] = attributes
        if tag == "li" and "data-rule" in attributes:
            self._rule = (str(attributes["data-rule"]), attributes.get("class") or "")
            self._text = []
        if tag == "div" and attributes.get("id") == "password-failures":
            self._in_alert = 1
        elif tag == "div" and self._in_alert:
            self._in_alert += 1
        if tag == "li" and self._in_alert:
            self._alert_item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._rule is not None:
            self.rules[self._rule[0]] = (self._rule[1], " ".join("".join(self._text).split()))
            self._rule = None
        if tag == "li" and self._alert_item is not None:
            self.alert_items.append(" ".join("".join(self._alert_item).split()))
            self._alert_item = None
        if tag == "div" and self._in_alert:
            self._in_alert -= 1

    def handle_data(self, data: str) -> None:
        if self._rule is not None:
            self._text.append(data)
        if self._alert_item is not None:
            self._alert_item.append(data)


def activation_link(site, mailbox) -> str:
    request_activation(Browser(site.url), site.url)
    return mailbox.link_in_last(EMAIL, "/activation/confirm")


def test_activation_form_names_every_failure_marks_each_rule_and_keeps_no_password(site, mailbox):
    browser = Browser(site.url)
    form = open_page(browser, activation_link(site, mailbox))
    shown = Page(form.text)
    # Before typing: the rules, unmarked; the account's identifier for password managers.
    assert {rule: mark for rule, (mark, _) in shown.rules.items()} == {
        "length": "", "classes": "", "not_common": "", "not_personal": "", "not_reused": "",
    }  # fmt: skip
    username = shown.inputs["username"]
    assert username["autocomplete"] == "username" and username["value"] == "200000001"
    assert "hidden" in username
    assert shown.inputs["password"]["autocomplete"] == "new-password"
    assert shown.inputs["password_confirmation"]["autocomplete"] == "new-password"

    # Too short, lower case only, and a different confirmation: all three at once.
    refused = submit(browser, form, "/", password="tournesol", password_confirmation="tournesal")
    assert refused.status_code == 400
    page = Page(refused.text)
    assert page.alert_items == [
        "Votre mot de passe est trop court : 12 caractères minimum.",
        "Utilisez au moins 3 de ces 4 types : majuscule, minuscule, chiffre, caractère spécial. "
        "Il manque 2 de ces types : une majuscule, un chiffre, un caractère spécial.",
        "Les deux mots de passe saisis sont différents.",
    ]
    assert page.rules["length"] == ("unmet", "Entre 12 et 30 caractères (règle non respectée)")
    assert page.rules["classes"][0] == "unmet"
    assert page.rules["classes"][1].endswith(
        "(règle non respectée) Il manque 2 de ces types : une majuscule, un chiffre, "
        "un caractère spécial."
    )
    for rule in ("not_common", "not_personal", "not_reused"):
        assert page.rules[rule][0] == "met", rule
        assert page.rules[rule][1].endswith("(règle respectée)"), rule
    # The passwords are emptied, and the member is told so; the identifier stays.
    assert "tournes" not in refused.text
    assert "value" not in page.inputs["password"]
    assert "value" not in page.inputs["password_confirmation"]
    assert "les mots de passe saisis ont été effacés" in refused.text
    assert page.inputs["username"]["value"] == "200000001"


def test_a_mismatch_alone_leaves_every_rule_met(site, mailbox):
    browser = Browser(site.url)
    form = open_page(browser, activation_link(site, mailbox))
    refused = submit(
        browser, form, "/", password="Tournesol-Bleu-2024", password_confirmation="Tournesol"
    )
    page = Page(refused.text)
    assert refused.status_code == 400
    assert page.alert_items == ["Les deux mots de passe saisis sont différents."]
    assert {mark for mark, _ in page.rules.values()} == {"met"}


def test_reset_form_has_the_members_identifier_for_password_managers(site, mailbox):
    browser = Browser(site.url)
    asked = submit(browser, open_page(browser, f"{site.url}/password/forgot"), "/password/forgot",
                   identifier="camille.martin@example.org")  # fmt: skip
    assert asked.status_code == 200
    link = mailbox.link_in_last("camille.martin@example.org", "/password/reset")
    form = Page(open_page(browser, link).text)
    assert form.inputs["username"]["value"] == DEMO_NUMBER
    assert form.inputs["username"]["autocomplete"] == "username"
    assert form.inputs["password"]["autocomplete"] == "new-password"


def signed_in(site) -> Browser:
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    return browser


def post_unticked(browser: Browser, page: requests.Response, **data: str) -> requests.Response:
    """The password change form sent with "sign out others" unticked."""
    fields = {k: v for k, v in form_fields(page.text).items() if k != "sign_out_others"}
    answer = browser.go(f"{browser.issuer}/account/password", "POST", {**fields, **data})
    assert isinstance(answer, requests.Response)
    return answer


def test_password_change_keeps_the_choice_and_reports_every_failure(site, mailbox):
    browser = signed_in(site)
    form = open_page(browser, f"{site.url}/account/password")
    shown = Page(form.text)
    assert shown.inputs["username"]["value"] == DEMO_NUMBER
    assert form.text.count('name="username"') == 1  # before the current password, once
    assert shown.inputs["current_password"]["autocomplete"] == "current-password"
    assert shown.inputs["password"]["autocomplete"] == "new-password"
    assert "checked" in shown.inputs["sign_out_others"]  # ticked by default

    # The box unticked (a browser does not send it), one class short, a different confirmation.
    refused = post_unticked(
        browser, form, current_password=DEMO_PASSWORD, password="tournesol-bleu",
        password_confirmation="tournesol-blue",
    )  # fmt: skip
    assert refused.status_code == 400
    page = Page(refused.text)
    assert page.alert_items == [
        "Utilisez au moins 3 de ces 4 types : majuscule, minuscule, chiffre, caractère spécial. "
        "Il manque : une majuscule ou un chiffre.",
        "Les deux mots de passe saisis sont différents.",
    ]
    assert page.rules["length"][0] == "met" and page.rules["classes"][0] == "unmet"
    assert "checked" not in page.inputs["sign_out_others"]  # the member's choice is kept
    assert page.inputs["username"]["value"] == DEMO_NUMBER
    assert "value" not in page.inputs["current_password"]
    assert "tournesol-bl" not in refused.text and DEMO_PASSWORD not in refused.text

    # A wrong current password: the choice is kept too, and the emptied fields are told.
    wrong = post_unticked(
        browser, refused, current_password="not-my-password",
        password="Tournesol-Bleu-2024", password_confirmation="Tournesol-Bleu-2024",
    )  # fmt: skip
    assert wrong.status_code == 400
    again = Page(wrong.text)
    assert "checked" not in again.inputs["sign_out_others"]
    assert "les mots de passe saisis ont été effacés" in wrong.text
    assert "Tournesol-Bleu" not in wrong.text and "not-my-password" not in wrong.text


def without_csrf(page: requests.Response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page.text)


def test_activation_answer_is_byte_for_byte_the_same_for_a_stranger_and_a_member(site, mailbox):
    details = {"member_number": "200000003", "last_name": "Lefèvre", "first_name": "Jean",
               "birth_date": "1982-03-14"}  # fmt: skip
    stranger = request_activation(Browser(site.url), site.url, **details)
    with site.app.app_context():
        import_members(io.StringIO(LATE_MEMBER))
    member = request_activation(Browser(site.url), site.url, **details)
    assert stranger.status_code == member.status_code == 200
    assert without_csrf(stranger) == without_csrf(member)
    assert len(mailbox.messages_to("jean.lefevre@example.org")) == 1  # the member's only

    # The answer says what to check when nothing arrives, and whom to call.
    text = " ".join(re.sub(r"<[^>]+>", " ", member.text).split())
    for hint in (
        "L'e-mail peut mettre quelques minutes à arriver.",
        "courriers indésirables",
        "votre nom et votre prénom, écrits exactement comme sur votre carte d'adhérent",
        "votre date de naissance",
        "l'adresse e-mail enregistrée dans votre dossier",
        "04 72 27 72 72",
        "Date de naissance 14/03/1982",
    ):
        assert hint in text.replace("&#39;", "'"), hint


def test_activation_form_keeps_what_was_typed_and_can_be_corrected_from_the_answer(site):
    browser = Browser(site.url)
    form = open_page(browser, f"{site.url}/activation")
    assert form.text.count("Exactement comme sur votre carte d&#39;adhérent.") == 2
    missing = submit(browser, form, "/activation", member_number="200000001",
                     last_name="D'Arc", first_name="Élodie-Anne", birth_date="")  # fmt: skip
    assert missing.status_code == 400
    kept = Page(missing.text).inputs
    assert (kept["member_number"]["value"], kept["last_name"]["value"]) == ("200000001", "D'Arc")
    assert kept["first_name"]["value"] == "Élodie-Anne" and kept["birth_date"]["value"] == ""

    answer = submit(browser, missing, "/activation", birth_date="30/09/1975")
    assert answer.status_code == 200 and "Consultez votre messagerie" in answer.text
    # "Correct my details": the form again, filled with what was typed; nothing is sent.
    fields = {name: str(i.get("value") or "") for name, i in Page(answer.text).inputs.items()}
    edit = browser.go(f"{site.url}/activation", "POST", {**fields, "edit": "1"})
    assert isinstance(edit, requests.Response) and edit.status_code == 200
    again = Page(edit.text).inputs
    assert again["last_name"]["value"] == "D'Arc" and again["birth_date"]["value"] == "30/09/1975"
    assert "Activer mon espace adhérent" in edit.text
