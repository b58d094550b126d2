"""The staff console in a real browser (headless Chromium): the setup link of
``idp staff create`` (password, authenticator app enrolled from the inline-SVG QR code),
sign-in with a TOTP code, unlocking a locked member, creating a client whose secret is shown
once; no CSP violation anywhere."""

from __future__ import annotations

from datetime import UTC

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.clients.registry import secret_digest
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import Member, OAuthClient
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.lockout import AccountLocked, Lockout
from tests.actors import DEMO_NUMBER
from tests.admin.staff_actor import STAFF_PASSWORD, create_staff
from tests.conftest import build_app, free_port, make_settings, serve_app

EMAIL = "alice.admin@mutuelle.example"


@pytest.fixture
def console(live_server):
    """The provider with a movable clock, the demo member, and a new admin's setup link."""
    clock = ShiftedClock()
    runtime(live_server.app).clock = clock
    with live_server.app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
        setup_url = create_staff(live_server.app, EMAIL, "admin")
    return live_server, clock, setup_url.replace("http://127.0.0.1:8000", live_server.url)


@pytest.fixture
def console_on_localhost(database_url):
    """The same on a host name, where browsers allow WebAuthn (security keys)."""
    port = free_port()
    app = build_app(make_settings(database_url, issuer=f"http://localhost:{port}"))
    clock = ShiftedClock()
    runtime(app).clock = clock
    with app.app_context():
        setup_url = create_staff(app, EMAIL, "admin")
    with serve_app(app, port, host="localhost") as served:
        yield served, clock, setup_url


def set_up(page: Page, clock: ShiftedClock, setup_url: str) -> str:
    """Follow the setup link to the end; returns the TOTP secret."""
    page.goto(setup_url)
    page.get_by_label("Nouveau mot de passe").fill(STAFF_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(code_at(clock, secret))
    page.get_by_role("button", name="Terminer la configuration").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est prêt")
    return secret


def code_at(clock: ShiftedClock, secret: str) -> str:
    return pyotp.TOTP(secret).at(clock.now().replace(tzinfo=UTC).timestamp())


def demo_locked_until(app):
    with app.app_context():
        return db.session.scalars(
            select(Member.locked_until).filter_by(member_number=DEMO_NUMBER)
        ).one()


def test_admin_sets_up_signs_in_unlocks_a_member_and_creates_a_client(page: Page, console):
    server, clock, setup_url = console

    # Setup: password, then the authenticator app from the QR code or the key.
    page.goto(setup_url)
    page.get_by_label("Nouveau mot de passe").fill(STAFF_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 120  # type: ignore[index]
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(code_at(clock, secret))
    page.get_by_role("button", name="Terminer la configuration").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est prêt")

    # Sign out, then in again: password, then a fresh code.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté")
    clock.advance(seconds=30)
    page.get_by_label("Adresse e-mail professionnelle").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    code = page.get_by_label("Code à 6 chiffres")
    assert code.get_attribute("autocomplete") == "one-time-code"
    code.fill(code_at(clock, secret))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console d'administration")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["idp_admin"]["httpOnly"] and cookies["idp_admin"]["sameSite"] == "Strict"
    assert cookies["idp_admin"]["path"] == "/admin"

    # A member locked by five wrong passwords is unlocked by the adviser.
    with server.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        with pytest.raises(AccountLocked):
            for _ in range(5):
                Lockout.of(runtime(), current_notifier).record_failure(member, "password")
    nav = page.get_by_role("navigation", name="Console")
    nav.get_by_role("link", name="Adhérents").click()
    page.get_by_label("N° d'adhérent, nom ou adresse e-mail").fill("martin")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=DEMO_NUMBER).click()
    expect(page.locator("#lock-state")).to_contain_text("bloqué jusqu'au")
    page.get_by_role("button", name="Débloquer le compte").click()
    expect(page.get_by_role("status")).to_have_text("Le compte de l'adhérent est débloqué.")
    expect(page.locator("#lock-state")).to_have_text("non bloqué")
    assert demo_locked_until(server.app) is None

    # A new client: its secret is on the page answering the form, and nowhere after.
    nav.get_by_role("link", name="Applications").click()
    page.get_by_role("link", name="Enregistrer une application").click()
    page.get_by_label("Nom", exact=True).fill("Portail partenaires")
    page.get_by_label("client_id", exact=True).fill("partner-portal")
    page.get_by_label("URI de redirection").fill("https://partenaires.example.org/callback")
    page.locator("label", has_text="nom, prénom, date de naissance").click()
    page.get_by_label("demandé à l'adhérent").check()
    page.get_by_role("button", name="Créer l'application").click()
    secret_text = page.locator("#client-secret")
    expect(secret_text).to_be_visible()
    client_secret = secret_text.inner_text()
    with server.app.app_context():
        row = db.session.get(OAuthClient, "partner-portal")
        assert row is not None and row.secret_hash == secret_digest(client_secret)
        assert row.settings["scopes"] == ["openid", "profile"]
        assert row.settings["consent"] == "explicit"
    page.get_by_role("link", name="J'ai copié le secret : voir l'application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail partenaires")
    assert client_secret not in page.content()
    page.reload()
    assert client_secret not in page.content()

    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # fits the phone-sized window
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_console_sign_in_refuses_a_wrong_code_in_english(page: Page, console):
    _, clock, setup_url = console
    page.goto(setup_url + "&lang=en")
    page.get_by_label("New password").fill(STAFF_PASSWORD)
    page.get_by_label("Confirm the password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code").fill("000000" if code_at(clock, secret) != "000000" else "1")
    page.get_by_role("button", name="Finish the setup").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    assert page.get_by_label("6-digit code").get_attribute("aria-invalid") == "true"
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_a_security_key_replaces_the_code(page: Page, console_on_localhost):
    _, clock, setup_url = console_on_localhost
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False,
        "hasUserVerification": False, "automaticPresenceSimulation": True,
    }})  # fmt: skip
    set_up(page, clock, setup_url)

    page.get_by_role("link", name="Mon compte").click()
    page.get_by_label("Nom de la clé").fill("YubiKey bleue")
    page.get_by_role("button", name="Ajouter une clé de sécurité").click()
    expect(page.get_by_role("status")).to_contain_text("La clé de sécurité est enregistrée")
    expect(page.locator("main")).to_contain_text("YubiKey bleue")

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Adresse e-mail professionnelle").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console d'administration")
    assert page.csp_errors == []  # type: ignore[attr-defined]
