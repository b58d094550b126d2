"""Single sign-on across the portals, the clients' access rules and explicit consent, as a
member's browser and the relying parties (Authlib's client) see them (README.md)."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import requests
from sqlalchemy import func, select, update

from idp.db import db
from idp.models import AuditEvent, Consent, Member
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    add_member,
    form_action,
    form_fields,
    jwt_claims,
    query,
)
from tests.conftest import LiveServer

PROVIDENT_ONLY = "200000002"
PROVIDENT_PASSWORD = "Prevoyance-Seule-2024"
APP_REFUSAL = "L&#39;appli mobile « mon espace santé » est réservée aux adhérents assurés en santé."
CONSENT_TITLE = "« Téléconsultation partenaire » demande l&#39;accès à vos informations"


def sign_in(browser: Browser, rp: RelyingParty, number: str = DEMO_NUMBER,
            password: str = DEMO_PASSWORD, **extra: str):  # fmt: skip
    page = browser.go(rp.authorize_url(**extra))
    assert isinstance(page, requests.Response) and 'name="password"' in page.text
    return browser.submit_password(page, number, password)


def post_form(browser: Browser, page: requests.Response, contains: str, **data: str):
    action = urljoin(page.url, form_action(page.text, contains))
    return browser.go(action, "POST", {"csrf_token": form_fields(page.text)["csrf_token"], **data})


def mobile(server: LiveServer) -> RelyingParty:
    return RelyingParty(server.url, "mobile-app", scope="openid profile member offline_access")


def events(server: LiveServer, name: str) -> list[AuditEvent]:
    with server.app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
        return rows


def provident_member(server: LiveServer) -> None:
    add_member(server.app, PROVIDENT_ONLY, PROVIDENT_PASSWORD, email="paul@example.org",
               contracts="provident")  # fmt: skip


# --- single sign-on -------------------------------------------------------------------------


def test_signed_in_at_one_portal_the_member_reaches_the_other_without_typing(
    server: LiveServer, browser: Browser
) -> None:
    health = RelyingParty(server.url, "health-portal")
    first = sign_in(browser, health)
    assert isinstance(first, str)
    _, health_claims = jwt_claims(health.fetch_token(first)["id_token"], server.url)
    provident = RelyingParty(server.url, "provident-portal")
    second = browser.go(provident.authorize_url())
    assert isinstance(second, str), "no page at all: single sign-on"
    _, claims = jwt_claims(provident.fetch_token(second)["id_token"], server.url)
    assert claims["sid"] == health_claims["sid"]
    # The sid claim names the session without revealing its cookie (which signs in).
    assert claims["sid"] != browser.http.cookies["idp_session"]
    assert claims["auth_time"] == health_claims["auth_time"]
    assert claims["acr"] == "urn:idp:acr:mfa"


def test_max_age_and_prompt_login_ask_for_the_password_again(
    server: LiveServer, browser: Browser
) -> None:
    health = RelyingParty(server.url, "health-portal")
    assert isinstance(sign_in(browser, health), str)
    provident = RelyingParty(server.url, "provident-portal")
    for extra in ({"max_age": "0"}, {"prompt": "login"}):
        page = browser.go(provident.authorize_url(**extra))
        assert isinstance(page, requests.Response) and 'name="password"' in page.text, extra


# --- access rules ---------------------------------------------------------------------------


def test_a_provident_member_is_refused_by_the_app_and_sent_to_the_provident_portal(
    server: LiveServer, browser: Browser
) -> None:
    provident_member(server)
    app = mobile(server)
    page = sign_in(browser, app, PROVIDENT_ONLY, PROVIDENT_PASSWORD)
    assert isinstance(page, requests.Response) and page.status_code == 403
    assert APP_REFUSAL in page.text
    link = re.search(r'<a class="button" href="([^"]+)" id="access-suggestion">([^<]+)</a>',
                     page.text)  # fmt: skip
    assert link and html.unescape(link.group(1)) == "http://127.0.0.1:5002/"
    assert "Espace prévoyance" in html.unescape(link.group(2))
    assert "Se connecter" not in page.text, "no offer of biometrics for an app refused"
    # Going back answers access_denied to the app, with its state and our issuer.
    back = post_form(browser, page, "/authorize/cancel")
    assert isinstance(back, str) and back.startswith(app.redirect_uri)
    params = query(back)
    assert params["error"] == "access_denied"
    assert params["state"] == app.state and params["iss"] == server.url
    assert "code" not in params
    refused = events(server, "authorization.access_denied")
    assert len(refused) == 1 and refused[0].client_id == "mobile-app"
    # The sign-in itself counted: the provident portal opens without a prompt.
    provident = RelyingParty(server.url, "provident-portal")
    assert isinstance(browser.go(provident.authorize_url()), str)


def test_the_rule_applies_with_single_sign_on_and_to_prompt_none(
    server: LiveServer, browser: Browser
) -> None:
    provident_member(server)
    provident = RelyingParty(server.url, "provident-portal")
    assert isinstance(sign_in(browser, provident, PROVIDENT_ONLY, PROVIDENT_PASSWORD), str)
    app = mobile(server)
    page = browser.go(app.authorize_url())
    assert isinstance(page, requests.Response) and page.status_code == 403
    assert APP_REFUSAL in page.text and 'name="password"' not in page.text
    silent = browser.go(app.authorize_url(prompt="none"))
    assert isinstance(silent, str)
    params = query(silent)
    assert params["error"] == "access_denied" and params["state"] == app.state
    assert params["iss"] == server.url


def test_a_health_member_uses_the_app(server: LiveServer, browser: Browser) -> None:
    app = mobile(server)
    callback = sign_in(browser, app)
    assert isinstance(callback, str), callback
    tokens = app.fetch_token(callback)
    assert tokens["refresh_token"]


def test_a_member_whose_health_contract_ended_cannot_refresh_the_app(
    server: LiveServer, browser: Browser
) -> None:
    app = mobile(server)
    tokens = app.fetch_token(sign_in(browser, app))
    with server.app.app_context():
        db.session.execute(
            update(Member).where(Member.member_number == DEMO_NUMBER).values(contracts="provident")
        )
        db.session.commit()
        db.session.remove()
    response = app.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    (refused,) = events(server, "token.refresh_rejected")
    assert refused.client_id == "mobile-app" and refused.detail["reason"] == "access_rule"
    # A portal without a rule keeps working for the same member.
    health = RelyingParty(server.url, "health-portal")
    portal_tokens = health.fetch_token(browser.go(health.authorize_url()))
    again = health.token_request(grant_type="refresh_token",
                                 refresh_token=portal_tokens["refresh_token"])  # fmt: skip
    assert again.status_code == 200, again.text


# --- consent --------------------------------------------------------------------------------


def partner(server: LiveServer, scope: str = "openid profile email member") -> RelyingParty:
    return RelyingParty(server.url, "partner-app", scope=scope)


def test_consent_is_asked_in_plain_words_remembered_and_asked_again_on_demand(
    server: LiveServer, browser: Browser
) -> None:
    rp = partner(server)
    page = sign_in(browser, rp)
    assert isinstance(page, requests.Response) and page.status_code == 200
    assert CONSENT_TITLE in page.text
    assert "Vos informations seront envoyées au site 127.0.0.1." in page.text
    assert "Ce service n&#39;est pas proposé par" not in page.text  # declared by the mutual
    for words in ("vos nom, prénom et date de naissance", "votre adresse e-mail",
                  "votre numéro d&#39;adhérent et la liste de vos contrats"):  # fmt: skip
        assert f"<li>{words}</li>" in page.text
    callback = post_form(browser, page, "/consent")
    assert isinstance(callback, str)
    claims = rp.userinfo(rp.fetch_token(callback)["access_token"]).json()
    assert claims["email"] == "camille.martin@example.org"
    assert events(server, "consent.granted")[0].client_id == "partner-app"
    # Remembered: the next authorization goes straight through, even silently.
    assert isinstance(browser.go(rp.authorize_url()), str)
    assert "code" in query(browser.go(rp.authorize_url(prompt="none")))  # type: ignore[arg-type]
    # prompt=consent asks again; more data than allowed asks again.
    again = browser.go(rp.authorize_url(prompt="consent"))
    assert isinstance(again, requests.Response) and CONSENT_TITLE in again.text
    more = partner(server, "openid profile email member offline_access")
    page = browser.go(more.authorize_url())
    assert isinstance(page, requests.Response)
    assert "un accès à ces informations même quand vous n&#39;utilisez pas le service" in page.text
    # The group's portals never ask.
    health = RelyingParty(server.url, "health-portal")
    assert isinstance(browser.go(health.authorize_url(prompt="consent")), str)


def test_refused_consent_answers_access_denied(server: LiveServer, browser: Browser) -> None:
    rp = partner(server)
    page = sign_in(browser, rp)
    assert isinstance(page, requests.Response)
    back = post_form(browser, page, "/authorize/cancel", reason="consent_refused")
    assert isinstance(back, str)
    params = query(back)
    assert params["error"] == "access_denied" and params["state"] == rp.state
    assert params["iss"] == server.url
    assert [e.detail["reason"] for e in events(server, "authorization.cancelled")] == [
        "consent_refused"
    ]
    with server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 0
        db.session.remove()
    silent = browser.go(rp.authorize_url(prompt="none"))
    assert isinstance(silent, str) and query(silent)["error"] == "consent_required"


def test_withdrawn_consent_revokes_the_tokens_and_is_asked_again(
    server: LiveServer, browser: Browser
) -> None:
    rp = partner(server, "openid profile offline_access")
    page = sign_in(browser, rp)
    assert isinstance(page, requests.Response)
    tokens = rp.fetch_token(post_form(browser, page, "/consent"))  # type: ignore[arg-type]
    listing = browser.go(f"{server.url}/account/applications")
    assert isinstance(listing, requests.Response) and listing.status_code == 200
    assert "Téléconsultation partenaire" in listing.text
    assert "vos nom, prénom et date de naissance" in listing.text
    done = post_form(browser, listing, "/partner-app/withdraw")
    assert isinstance(done, requests.Response) and "L&#39;accès a été retiré." in done.text
    assert "Téléconsultation partenaire" not in done.text
    refresh = rp.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert events(server, "consent.withdrawn")[0].client_id == "partner-app"
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response) and CONSENT_TITLE in page.text


def test_applications_page_lists_the_app_holding_an_offline_token(
    server: LiveServer, browser: Browser
) -> None:
    app = mobile(server)
    app.fetch_token(sign_in(browser, app))
    listing = browser.go(f"{server.url}/account/applications")
    assert isinstance(listing, requests.Response)
    assert "mon espace santé" in listing.text
    assert "Elle reste connectée même quand vous ne l&#39;utilisez pas." in listing.text
    # Withdrawing a client the member is not connected to changes nothing.
    fields = form_fields(listing.text)
    response = browser.http.post(f"{server.url}/account/applications/partner-app/withdraw",
                                 data={"csrf_token": fields["csrf_token"]}, timeout=10)  # fmt: skip
    assert response.status_code == 404
