"""The identify + password step as a member's browser lives it (docs/security.md)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests

from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    add_member,
    code_from,
    form_action,
    form_fields,
    query,
    redis_of,
)

GENERIC_FR = "Identifiant ou mot de passe incorrect"


def _page(result) -> requests.Response:
    assert not isinstance(result, str), f"expected a page, was redirected to {result}"
    return result


def _alert(page: requests.Response) -> str:
    match = re.search(r'<div class="alert"[^>]*>(.*?)</div>', page.text, re.S)
    assert match, page.text
    return match.group(1).strip()


def _post(browser: Browser, page: requests.Response, **data: str) -> requests.Response:
    """POST the password form with exactly these fields (no CSRF token unless given)."""
    action = urljoin(page.url, form_action(page.text, "/password"))
    return browser.http.post(action, data=data, allow_redirects=False, timeout=10)


def _session_cookie(response: requests.Response) -> str | None:
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith("idp_session="):
            return header
    return None


def _signed_in(browser: Browser, portal) -> bool:
    result = browser.go(portal.authorize_url(prompt="none"))
    return isinstance(result, str) and "code" in query(result)


# -- one answer for every wrong credential -------------------------------------------------------


def test_wrong_password_and_unknown_identifier_look_the_same(server, browser, portal):
    add_member(server.app, "100000003", None, email="inactive@example.org")
    answers = []
    for identifier, password in [
        (DEMO_NUMBER, "Wrong-Password-000"),
        ("999999999", DEMO_PASSWORD),
        ("nobody@example.org", DEMO_PASSWORD),
        ("not an identifier", DEMO_PASSWORD),
        ("100000003", DEMO_PASSWORD),  # in the directory, account never activated
        ("inactive@example.org", DEMO_PASSWORD),
        (DEMO_NUMBER, DEMO_PASSWORD + "x" * 300),  # over the length cap
        ("camille.martin\x00@example.org", DEMO_PASSWORD),  # control characters
        ("1000\x0000001", DEMO_PASSWORD),
        ("é" * 400 + "@example.org", DEMO_PASSWORD),
    ]:
        page = _page(browser.go(portal.authorize_url()))
        answer = _page(browser.submit_password(page, identifier, password))
        answers.append((answer.status_code, _alert(answer)))
        assert _session_cookie(answer) is None
    assert len(set(answers)) == 1, answers
    status, message = answers[0]
    assert status in (400, 401) and GENERIC_FR in message
    assert not _signed_in(browser, portal)


def test_identifier_is_kept_after_a_failure(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    answer = _page(browser.submit_password(page, DEMO_NUMBER, "Wrong-Password-000"))
    assert form_fields(answer.text)["username"] == DEMO_NUMBER
    assert 'aria-invalid="true"' in answer.text
    # …and the member can try again on the same page.
    callback = browser.submit_password(answer, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(callback, str) and code_from(callback)


@pytest.mark.parametrize(
    ("identifier", "password"), [("", DEMO_PASSWORD), (DEMO_NUMBER, ""), ("   ", "x")]
)
def test_empty_fields_ask_for_both(server, browser, portal, identifier, password):
    page = _page(browser.go(portal.authorize_url()))
    answer = _page(browser.submit_password(page, identifier, password))
    assert answer.status_code == 400
    assert "Renseignez votre identifiant et votre mot de passe" in _alert(answer)


def test_inactive_member_cannot_sign_in(server, browser, portal):
    from idp.db import db
    from idp.models import Member

    with server.app.app_context():
        member = db.session.query(Member).filter_by(member_number=DEMO_NUMBER).one()
        member.password_hash = None
        db.session.commit()
    page = _page(browser.go(portal.authorize_url()))
    answer = _page(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    assert answer.status_code == 401 and GENERIC_FR in _alert(answer)


@pytest.mark.parametrize(
    "identifier",
    [
        "camille.martin@example.org",
        "Camille.Martin@Example.ORG",
        "  CAMILLE.MARTIN@EXAMPLE.ORG  ",
        f"  {DEMO_NUMBER} ",
    ],
)
def test_sign_in_by_member_number_or_email_any_case(server, browser, portal, identifier):
    callback = browser.sign_in(portal.authorize_url(), identifier, DEMO_PASSWORD)
    assert code_from(callback)


def test_password_is_case_sensitive(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    answer = _page(browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD.upper()))
    assert answer.status_code == 401


def test_a_password_is_the_same_whatever_the_unicode_form(server, browser, portal):
    """ "é" as one character (NFC, most phones) or as "e" + U+0301 (NFD): one password, as the
    length rule counts it; a hash made from a decomposed password before still verifies."""
    import unicodedata

    from argon2 import PasswordHasher

    composed = "Prévoyance-Été-2026"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    add_member(server.app, "100000081", decomposed)  # set from a decomposing keyboard
    for typed in (composed, decomposed):
        assert code_from(Browser(server.url).sign_in(portal.authorize_url(), "100000081", typed))
    legacy = add_member(server.app, "100000082", "Placeholder-Pass-1")
    from idp.db import db
    from idp.models import Member

    with server.app.app_context():
        member = db.session.scalars(db.select(Member).filter_by(subject=legacy)).one()
        member.password_hash = PasswordHasher().hash(decomposed)  # hashed before NFC
        db.session.commit()
    for typed in (composed, decomposed):
        assert code_from(Browser(server.url).sign_in(portal.authorize_url(), "100000082", typed))
    wrong = _page(
        browser.submit_password(
            _page(browser.go(portal.authorize_url())), "100000082", composed + "x"
        )
    )
    assert wrong.status_code == 401


# -- the form --------------------------------------------------------------------------------------


def test_form_uses_standard_autocomplete_and_carries_csrf(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    assert re.search(r'<input[^>]*name="username"[^>]*autocomplete="username"', page.text)
    assert re.search(r'<input[^>]*type="password"[^>]*autocomplete="current-password"', page.text)
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]{20,}"', page.text)
    for form in re.findall(r"<form[^>]*>.*?</form>", page.text, re.S):
        assert 'name="csrf_token"' in form
        assert 'method="post"' in form
    assert re.search(r'<label for="username">', page.text)
    assert re.search(r'<label for="password">', page.text)


@pytest.mark.parametrize("token", [None, "", "forged-token", "A" * 5000])
def test_post_without_valid_csrf_is_refused_and_changes_nothing(
    server,
    browser,
    portal,
    token,
):
    page = _page(browser.go(portal.authorize_url()))
    data = {"username": DEMO_NUMBER, "password": DEMO_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    refused = _post(browser, page, **data)
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "Location" not in refused.headers
    assert _session_cookie(refused) is None
    assert "expiré" in refused.text  # "Votre formulaire a expiré…"
    # Nothing moved: the step is still the password step, and it still works.
    again = _page(browser.go(page.url))
    assert 'autocomplete="current-password"' in again.text
    callback = browser.submit_password(again, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(callback, str) and code_from(callback)


def test_csrf_token_of_another_browser_is_refused(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    attacker = Browser(server.url)
    attacker_page = _page(attacker.go(portal.authorize_url()))
    foreign = form_fields(attacker_page.text)["csrf_token"]
    refused = _post(browser, page, csrf_token=foreign, username=DEMO_NUMBER, password=DEMO_PASSWORD)
    assert refused.status_code == 400
    assert not _signed_in(browser, portal)


# -- the SSO cookie ------------------------------------------------------------------------------


def test_sso_cookie_is_httponly_and_samesite_lax(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    assert browser.last is not None
    cookie = _session_cookie(browser.last)
    assert cookie is not None
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    ui_cookies = [c for c in browser.last.raw.headers.getlist("Set-Cookie") if "idp_ui=" in c]
    for c in ui_cookies:
        assert "HttpOnly" in c and "SameSite=Lax" in c


def test_session_id_is_renewed_at_every_sign_in(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    first = browser.http.cookies.get("idp_session")
    assert first
    page = _page(browser.go(portal.authorize_url(prompt="login")))
    callback = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(callback, str)
    second = browser.http.cookies.get("idp_session")
    assert second and second != first
    # The old session id is dead.
    old = Browser(server.url)
    old.http.cookies.set("idp_session", first)
    assert not _signed_in(old, portal)
    assert redis_of(server.app).get(f"idp:session:{first}") is None
    assert _signed_in(browser, portal)


def test_forged_session_cookie_is_ignored(server, browser, portal):
    browser.http.cookies.set("idp_session", "forged-session-id")
    assert not _signed_in(browser, portal)
    browser.http.cookies.set("idp_session", "x" * 4000)
    assert not _signed_in(browser, portal)


# -- security headers on the pages ---------------------------------------------------------------


def _assert_page_headers(response: requests.Response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp or "default-src 'none'" in csp
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script
    assert "style=" not in response.text  # no inline style


def test_every_page_carries_the_security_headers(server, browser, portal):
    page = _page(browser.go(portal.authorize_url()))
    _assert_page_headers(page)
    failure = _page(browser.submit_password(page, DEMO_NUMBER, "Wrong-Password-000"))
    _assert_page_headers(failure)
    csrf = _post(browser, page, username=DEMO_NUMBER, password="x")
    _assert_page_headers(csrf)
    expired = browser.http.get(f"{server.url}/login/unknown-interaction", timeout=5)
    _assert_page_headers(expired)
    bad_request = browser.http.get(f"{server.url}/authorize?client_id=nope", timeout=5)
    _assert_page_headers(bad_request)
    not_found = browser.http.get(f"{server.url}/no-such-page", timeout=5)
    assert not_found.status_code == 404
    _assert_page_headers(not_found)
    home = browser.http.get(f"{server.url}/", timeout=5)
    _assert_page_headers(home)


def test_redirect_to_the_client_is_not_cached(server, browser, portal):
    browser.sign_in(portal.authorize_url())
    assert browser.last is not None
    assert "no-store" in browser.last.headers.get("Cache-Control", "")
