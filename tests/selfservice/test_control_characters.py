"""Control characters in any field of a member's form (idp/text.py): the page's own
validation error, never a server error, on PostgreSQL as on SQLite. Every form a member can
reach is posted once per field and control character, as the browser would post it but for
that field: the sign-in (identifier, password, code, consent, cancel), activation, the
forgotten password and the reset link, the account pages, the sign-out confirmation; and
the query parameters of ``/authorize`` and ``/logout``."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urljoin

import requests

from tests.actors import (
    CLIENTS,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    add_member,
)
from tests.form_sweep import CONTROLS, form, spoilt, sweep
from tests.selfservice.pages import open_page, submit
from tests.selfservice.test_devices import add_device, device_names

EMAIL = "camille.martin@example.org"
SWEPT = "100000077"


def _poster(browser: Browser, page: requests.Response, action: str):
    """Post to the form of ``page`` whose action contains ``action``: status and page."""
    found = form(page.text, action)
    target = urljoin(page.url, found.action)

    def post(fields: dict[str, str]) -> tuple[int, str]:
        if found.method == "GET":
            answer = browser.http.get(target, params=fields, allow_redirects=False, timeout=10)
        else:
            answer = browser.http.post(target, data=fields, allow_redirects=False, timeout=10)
        return answer.status_code, answer.text

    return post, found.fields


def _sweep_form(browser: Browser, url: str, action: str, **values: str) -> dict:
    page = open_page(browser, url)
    assert page.status_code == 200, page.text
    post, fields = _poster(browser, page, action)
    return {f"{action} {k}": v for k, v in sweep(post, {**fields, **values}).items()}


def _sweep_query(browser: Browser, url: str, params: dict[str, str]) -> dict:
    failed = {}
    for name in params:
        for label, control in CONTROLS.items():
            answer = browser.http.get(url, params=spoilt(params, name, control),
                                      allow_redirects=False, timeout=10)  # fmt: skip
            if answer.status_code >= 500:
                failed[f"{url} {name}:{label}"] = (answer.status_code, answer.text[:300])
    return failed


def _split(url: str) -> tuple[str, dict[str, str]]:
    base, _, query = url.partition("?")
    return base, dict(parse_qsl(query))


def _raw_post(browser: Browser, url: str, fields: dict[str, str]) -> tuple[int, str]:
    answer = browser.http.post(url, data=fields, allow_redirects=False, timeout=10)
    return answer.status_code, answer.text


def test_no_field_of_the_sign_in_is_ever_a_server_error(site) -> None:
    """The sweep's wrong passwords and codes lock its member (``SWEPT``); the consent page
    is reached by the demo member."""
    add_member(site.app, SWEPT, DEMO_PASSWORD, email="alex.durand@example.org")
    portal = RelyingParty(site.url, "partner-app")  # asks for consent
    browser = Browser(site.url)
    authorize = portal.authorize_url(login_hint=SWEPT, ui_locales="fr", max_age="600")
    failed = _sweep_query(browser, *_split(authorize))

    login = open_page(browser, authorize)
    failed |= _sweep_form(browser, login.url, "/password", username=SWEPT, password=DEMO_PASSWORD)
    choose = browser.post_password(open_page(browser, login.url), SWEPT, DEMO_PASSWORD)
    assert isinstance(choose, requests.Response) and "/code/send" in choose.text
    failed |= _sweep_form(browser, choose.url, "/code/send", channel="email")
    entered = browser.request_code(open_page(browser, choose.url), "email")
    assert isinstance(entered, requests.Response) and 'name="code"' in entered.text
    failed |= _sweep_form(browser, entered.url, "/code", code="123456")

    # Another sign-in, to the consent page; the passkey routes (off on this issuer) as posted.
    other = Browser(site.url)
    start = portal.authorize_url()
    consent = other.submit_password(open_page(other, start), DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(consent, requests.Response) and "/consent" in consent.text
    csrf = form(consent.text, "/consent").fields["csrf_token"]
    interaction = consent.url.split("/login/")[1].split("/")[0]
    for path in ("passkey", "passkey/skip", "passkey/register", "passkey/options"):
        target = f"{site.url}/login/{interaction}/{path}"
        found = sweep(lambda f, t=target: _raw_post(other, t, f),
                      {"csrf_token": csrf, "credential": "{}"})  # fmt: skip
        failed |= {f"{path} {k}": v for k, v in found.items()}
    failed |= _sweep_form(other, consent.url, "/consent")
    failed |= _sweep_form(other, consent.url, "/authorize/cancel")
    assert failed == {}


def test_no_field_of_the_sign_out_is_ever_a_server_error(site) -> None:
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    params = {"client_id": "health-portal", "state": "s-1", "ui_locales": "fr",
              "post_logout_redirect_uri": "http://127.0.0.1:5001/logged-out",
              "id_token_hint": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
              "logout_hint": DEMO_NUMBER}  # fmt: skip
    failed = _sweep_query(browser, f"{site.url}/logout", params)
    failed |= _sweep_form(browser, f"{site.url}/logout", "/logout/confirm")
    assert failed == {}


def test_no_protocol_parameter_is_ever_a_server_error(site) -> None:
    """The token, revocation, introspection and userinfo endpoints, as a client calls
    them: an OAuth error, never a 5xx."""
    browser = Browser(site.url)
    secret = CLIENTS["health-portal"][0] or ""
    failed = {}
    for endpoint, fields in (
        ("/token", {"grant_type": "authorization_code", "code": "abc", "client_id":
                    "health-portal", "client_secret": secret, "code_verifier": "v" * 43,
                    "redirect_uri": "http://127.0.0.1:5001/auth/callback"}),
        ("/token", {"grant_type": "refresh_token", "refresh_token": "abc",
                    "client_id": "health-portal", "client_secret": secret, "scope": "openid"}),
        ("/revoke", {"token": "abc", "token_type_hint": "refresh_token",
                     "client_id": "health-portal", "client_secret": secret}),
        ("/introspect", {"token": "abc", "client_id": "health-portal",
                         "client_secret": secret}),
        ("/userinfo", {"access_token": "abc"}),
    ):  # fmt: skip
        found = sweep(lambda f, e=endpoint: _raw_post(browser, f"{site.url}{e}", f), fields)
        failed |= {f"{endpoint} {k}": v for k, v in found.items()}
    assert failed == {}


def test_no_field_of_activation_or_the_forgotten_password_is_ever_a_server_error(
    site, mailbox
) -> None:
    browser = Browser(site.url)
    failed = _sweep_form(browser, f"{site.url}/activation", "/activation",
                         member_number="200000001", last_name="D'Arc",
                         first_name="Élodie-Anne", birth_date="1975-09-30")  # fmt: skip
    failed |= _sweep_form(browser, f"{site.url}/password/forgot", "/password/forgot",
                          identifier=DEMO_NUMBER)  # fmt: skip
    for path in ("/password/reset", "/activation/confirm"):
        failed |= _sweep_query(browser, f"{site.url}{path}", {"token": "abc"})
    submit(browser, open_page(browser, f"{site.url}/password/forgot"), "/password/forgot",
           identifier=DEMO_NUMBER)  # fmt: skip
    link = mailbox.link_in_last(EMAIL, "/password/reset")
    failed |= _sweep_form(browser, link, "/password/reset", password="Tournesol-Bleu-2024",
                          password_confirmation="Tournesol-Bleu-2024")  # fmt: skip
    assert failed == {}


def test_no_field_of_the_account_pages_is_ever_a_server_error(site) -> None:
    device = add_device(site.app, "iPhone de Camille")
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    url = f"{site.url}/account"
    failed = _sweep_form(browser, f"{url}/devices", f"/devices/{device}/rename",
                          name="iPhone perso")  # fmt: skip
    failed |= _sweep_form(browser, f"{url}/devices", f"/devices/{device}/remove")
    failed |= _sweep_form(browser, f"{url}/sessions", "/sign-out-everywhere")
    csrf = form(open_page(browser, f"{url}/sessions").text, "/sign-out").fields["csrf_token"]
    for control in CONTROLS.values():
        for path in (f"/sessions/h{control}/sign-out", f"/applications/p{control}/withdraw",
                     f"/devices/{device}{control}/rename"):  # fmt: skip
            status, page = _raw_post(browser, f"{url}{path}", {"csrf_token": csrf})
            if status >= 500:
                failed[repr(path)] = (status, page[:300])
    assert device_names(site.app) == ["iPhone de Camille"]  # no rename with a control in it
    # Last: wrong current passwords lock this browser's budget, which ends its session.
    failed |= _sweep_form(browser, f"{url}/password", "/account/password",
                          current_password=DEMO_PASSWORD, password="Tournesol-Bleu-2024",
                          password_confirmation="Tournesol-Bleu-2024")  # fmt: skip
    assert failed == {}


def test_a_device_name_with_a_control_character_is_the_form_again(site) -> None:
    device = add_device(site.app, "iPhone de Camille")
    browser = Browser(site.url)
    browser.sign_in(RelyingParty(site.url, "health-portal").authorize_url())
    page = open_page(browser, f"{site.url}/account/devices")
    post, fields = _poster(browser, page, f"/devices/{device}/rename")
    for control in ("\x00", "\x1b[2J", "\x85"):
        status, text = post({**fields, "name": f"iPhone{control}"})
        assert status == 400, text
        assert "Ce nom contient des caractères interdits" in html.unescape(text)
    assert device_names(site.app) == ["iPhone de Camille"]
