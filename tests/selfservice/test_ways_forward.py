"""Every page that ends a path has a way forward, and the language link after a refused form
shows the same step in the other language (the error and what was typed kept)."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import urljoin

import pytest
import requests

from idp.accounts.directory import import_members
from idp.kv import key
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    form_fields,
    redis_of,
)
from tests.selfservice.pages import choose_password, open_page, request_activation, submit

EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"
MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
"""


def links(page: requests.Response) -> dict[str, str]:
    """The main part's links: text → href, as the member sees them."""
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    found = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', main, re.S)
    return {html.unescape(text.strip()): html.unescape(href) for href, text in found}


def button(page: requests.Response) -> tuple[str, str]:
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    match = re.search(r'<a class="button" href="([^"]*)">(.*?)</a>', main, re.S)
    assert match, main
    return html.unescape(match.group(2).strip()), html.unescape(match.group(1))


def switch_language(browser: Browser, page: requests.Response) -> requests.Response:
    match = re.search(r'<a class="lang" href="([^"]*)"', page.text)
    assert match, page.text
    return open_page(browser, urljoin(page.url, html.unescape(match.group(1))))


def test_not_found_page_leads_to_the_sign_in_and_the_account(site):
    fr = requests.get(f"{site.url}/nowhere", timeout=5)
    assert fr.status_code == 404 and "Cette page n'existe pas." in html.unescape(fr.text)
    assert button(fr) == ("Se connecter à mon espace client", "/")
    assert links(fr)["Retour à mon compte"] == "/account"
    en = requests.get(f"{site.url}/nowhere?lang=en", timeout=5)
    assert button(en) == ("Sign in to my online account", "/")
    assert links(en)["Back to my account"] == "/account"
    assert requests.get(f"{site.url}/", timeout=5).status_code == 200


def test_home_page_lists_the_services_and_the_account(site):
    fr = requests.get(f"{site.url}/", timeout=5)
    assert fr.status_code == 200
    services = {t: h for t, h in links(fr).items() if t.startswith("Aller sur")}
    assert services and all(h.startswith("http") for h in services.values())
    assert links(fr)["Retour à mon compte"] == "/account"
    en = requests.get(f"{site.url}/?lang=en", timeout=5)
    assert any(t.startswith("Go to “") for t in links(en)) and links(en)["Back to my account"]


def test_expired_sign_in_offers_to_start_again(site):
    browser = Browser(site.url)
    page = browser.http.get(f"{site.url}/login/gone-away", timeout=5)
    assert page.status_code == 400 and "a expiré" in page.text
    assert button(page) == ("Recommencer la connexion", "/")
    assert links(page)["Retour à mon compte"] == "/account"
    en = browser.http.get(f"{site.url}/login/gone-away?lang=en", timeout=5)
    assert button(en) == ("Start signing in again", "/")
    assert links(en)["Back to my account"] == "/account"


def test_expired_sign_in_starts_again_from_the_service_it_was_for(site):
    browser = Browser(site.url)
    portal = RelyingParty(site.url, "health-portal")
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    interaction_id = page.url.split("/login/")[1].split("?")[0]
    redis_of(site.app).delete(key("interaction", interaction_id))  # its lifetime is over
    refused = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(refused, requests.Response) and refused.status_code == 400
    assert "Votre page de connexion a expiré" in html.unescape(refused.text)
    assert button(refused) == ("Recommencer la connexion", "http://127.0.0.1:5001/")
    assert links(refused)["Retour à mon compte"] == "/account"
    english = switch_language(browser, refused)
    assert english.url.endswith(f"/login/{interaction_id}?lang=en")
    assert button(english) == ("Start signing in again", "http://127.0.0.1:5001/")


def test_signed_out_account_page_leads_to_the_sign_in(site):
    fr = requests.get(f"{site.url}/account", timeout=5)
    assert fr.status_code == 401
    assert button(fr) == ("Se connecter à mon espace client", "/")
    en = requests.get(f"{site.url}/account?lang=en", timeout=5)
    assert button(en) == ("Sign in to my online account", "/")


def test_rate_limited_page_leads_to_the_sign_in(site):
    browser = Browser(site.url)
    for _ in range(30):
        page = open_page(browser, f"{site.url}/password/forgot")
        answer = submit(browser, page, "/password/forgot", identifier="nobody@example.org")
        if answer.status_code == 429:
            break
    assert answer.status_code == 429 and "Merci de patienter" in answer.text
    assert button(answer) == ("Se connecter à mon espace client", "/")
    assert links(answer)["Retour à mon compte"] == "/account"
    english = switch_language(browser, answer)
    assert english.url.endswith("/password/forgot?lang=en") and english.status_code == 200
    again = submit(browser, english, "/password/forgot", identifier="nobody@example.org")
    assert again.status_code == 429 and "Please wait" in again.text
    assert button(again) == ("Sign in to my online account", "/")
    assert links(again)["Back to my account"] == "/account"


def test_reset_done_leads_to_the_sign_in(site, mailbox):
    browser = Browser(site.url)
    page = open_page(browser, f"{site.url}/password/forgot?lang=en")
    submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER)
    done = choose_password(browser, mailbox.link_in_last(EMAIL, "/password/reset"), NEW_PASSWORD)
    assert done.status_code == 200
    assert button(done) == ("Sign in to my online account", "/")
    french = switch_language(browser, done)
    assert button(french) == ("Se connecter à mon espace client", "/")


def test_activation_done_leads_to_the_sign_in(site, mailbox):
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))
    browser = Browser(site.url)
    request_activation(browser, site.url)
    link = mailbox.link_in_last("elodie.darc@example.org", "/activation/confirm")
    done = choose_password(browser, link, NEW_PASSWORD)
    assert done.status_code == 200 and "Votre espace est activé" in html.unescape(done.text)
    assert button(done) == ("Se connecter à mon espace client", "/")
    english = switch_language(browser, done)
    assert english.status_code == 200 and english.url.endswith("/activation/done?lang=en")
    assert "Your account is active" in english.text
    assert button(english) == ("Sign in to my online account", "/")
    # The same address without a finished activation is the form.
    assert "/activation/done" not in open_page(Browser(site.url), english.url).url


# -- the language link after a refused form ----------------------------------------------------


def test_language_after_a_wrong_password_keeps_the_step_error_and_identifier(site):
    browser = Browser(site.url)
    portal = RelyingParty(site.url, "health-portal")
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    refused = browser.submit_password(page, DEMO_NUMBER, "Wrong-Password-000")
    assert isinstance(refused, requests.Response) and refused.status_code == 401
    assert DEMO_PASSWORD not in refused.text
    english = switch_language(browser, refused)
    assert english.status_code == 200 and "?lang=en" in english.url
    assert "Wrong-Password" not in english.url
    assert "Incorrect identifier or password" in html.unescape(english.text)
    assert form_fields(english.text)["username"] == DEMO_NUMBER
    # Back in French, still the same step and error; then the member signs in from there.
    french = switch_language(browser, english)
    assert "Identifiant ou mot de passe incorrect" in html.unescape(french.text)
    assert DEMO_NUMBER in str(session_of(site, browser))  # kept for the language link…
    callback = browser.submit_password(french, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(callback, str) and "code=" in callback
    assert DEMO_NUMBER not in str(session_of(site, browser))  # …and not past the sign-in


def session_of(site, browser: Browser) -> dict:
    """The browser's signed session cookie, as the provider reads it."""
    app = site.app
    name = app.config["SESSION_COOKIE_NAME"]
    raw = browser.http.cookies.get(name)
    assert raw, f"no {name} cookie"
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(raw))


def test_language_after_a_refused_activation_form_keeps_the_fields_and_errors(site):
    browser = Browser(site.url)
    refused = request_activation(browser, site.url, birth_date="31/02/1975")
    assert refused.status_code == 400
    english = switch_language(browser, refused)
    assert english.url.endswith("/activation?lang=en")
    assert form_fields(english.text)["member_number"] == "200000001"
    assert "Sign in" not in english.url and 'aria-invalid="true"' in english.text
    # A later visit of the form starts empty.
    fresh = open_page(browser, f"{site.url}/activation")
    assert form_fields(fresh.text).get("member_number", "") == ""


@pytest.mark.parametrize("flow", ["reset", "activation"])
def test_language_after_a_refused_new_password_keeps_the_form_and_failures(site, mailbox, flow):
    browser = Browser(site.url)
    if flow == "reset":
        path = "/password/reset"
        page = open_page(browser, f"{site.url}/password/forgot")
        submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER)
        link = mailbox.link_in_last(EMAIL, path)
    else:
        path = "/activation/confirm"
        with site.app.app_context():
            import_members(io.StringIO(MEMBERS))
        request_activation(browser, site.url)
        link = mailbox.link_in_last("elodie.darc@example.org", path)
    form = open_page(browser, link)
    refused = submit(browser, form, "/", password="short", password_confirmation="short")
    assert refused.status_code == 400
    english = switch_language(browser, refused)
    assert english.status_code == 200 and english.url.endswith(f"{path}?lang=en")
    assert "token=" not in english.url
    assert 'id="password-failures"' in english.text and "Choose" in english.text
    # The form still works: the member sets a good password from the English page.
    done = submit(browser, english, "/", password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD)
    assert done.status_code == 200 and button(done)[0] == "Sign in to my online account"


# -- with the portal configured (IDP_PORTAL_URL) -----------------------------------------------

PORTAL = "https://www.mutuelle.example/espace"


@pytest.fixture
def with_portal(database_url):
    from dataclasses import replace

    from idp.config import BrandSettings
    from tests.conftest import build_app, dispose_app, make_settings

    app = build_app(make_settings(database_url, brand=replace(BrandSettings(), portal_url=PORTAL)))
    yield app.test_client()
    dispose_app(app)


class Answer:
    """A test client's answer, read as the helpers above read a page."""

    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.text = response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status", "back"),
    [
        ("/nowhere", 404, ("Retour à mon compte", "/account")),
        ("/login/gone-away", 400, ("Retour à mon compte", "/account")),
        ("/account", 401, ("Retour à l'accueil", "/")),
    ],
)
def test_with_a_portal_the_way_forward_is_the_portal_and_the_way_back_stays(
    with_portal, path, status, back
):
    page = Answer(with_portal.get(path))
    assert page.status_code == status
    assert button(page)[1] == PORTAL
    text, href = back
    assert links(page)[text] == href
    english = Answer(with_portal.get(f"{path}?lang=en"))
    assert button(english)[1] == PORTAL and button(english)[0] != button(page)[0]


def test_with_a_portal_the_home_page_leads_to_it_first(with_portal):
    page = Answer(with_portal.get("/"))
    assert button(page) == ("Se connecter à mon espace client", PORTAL)
    assert links(page)["Aller sur « Espace santé »"] == "http://127.0.0.1:5001/"
