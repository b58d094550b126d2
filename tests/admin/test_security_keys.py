"""Security keys as the staff's alternative second factor: added from the account page after
a TOTP sign-in, then used instead of the code; answers are verified (challenge once, the
staff member's own key, origin) and failures count toward the lock. A software authenticator
(``tests/passkeys.py``) answers as a browser would, on the provider served as ``localhost``."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent, StaffSecurityKey
from tests.admin.staff_actor import Staff, ready_staff
from tests.conftest import build_app, dispose_app, make_settings
from tests.passkeys import SoftAuthenticator

ISSUER = "http://localhost:8000"
ADMIN = "alice.admin@mutuelle.example"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The provider on a host name: browsers refuse WebAuthn on an IP address."""
    app = build_app(make_settings(database_url, issuer=ISSUER))
    with app.app_context():
        yield app
    dispose_app(app)


def options(staff: Staff, path: str) -> dict:
    answer = staff.client.post(path, headers={"X-CSRF-Token": staff.csrf})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return json.loads(answer.get_data(as_text=True))


def add_key(staff: Staff, key: SoftAuthenticator, name: str = "YubiKey bleue") -> None:
    staff.get("/admin/account")
    created = key.create(options(staff, "/admin/account/keys/options"))
    done = staff.post("/admin/account/keys", {"credential": json.dumps(created), "name": name})
    assert done.status_code == 303, done.get_data(as_text=True)


def password_step(staff: Staff) -> None:
    staff.clock.advance(seconds=30)
    assert staff.submit_password().status_code == 302
    staff.get("/admin/login/code")


def test_add_a_key_then_sign_in_with_it_instead_of_the_code(app):
    staff = ready_staff(app, ADMIN, "admin")
    key = SoftAuthenticator(ISSUER)
    page = staff.get("/admin/account")
    assert "Ajouter une clé de sécurité" in page.get_data(as_text=True)
    registration = options(staff, "/admin/account/keys/options")
    assert registration["authenticatorSelection"]["residentKey"] == "discouraged"
    assert registration["authenticatorSelection"]["userVerification"] == "preferred"
    assert "authenticatorAttachment" not in registration["authenticatorSelection"]
    add_key(staff, key)
    account = staff.get("/admin/account?done=key_added").get_data(as_text=True)
    assert "YubiKey bleue" in account and "La clé de sécurité est enregistrée" in account
    # A second registration of the same key is refused by the browser (excluded).
    assert options(staff, "/admin/account/keys/options")["excludeCredentials"]

    staff.sign_out()
    password_step(staff)
    code_page = staff.get("/admin/login/code").get_data(as_text=True)
    assert "Utiliser ma clé de sécurité" in code_page and "admin_keys.js" in code_page
    request = options(staff, "/admin/login/key/options")
    assert [c["id"] for c in request["allowCredentials"]] == [registration_id(app)]
    answer = key.get(request)
    done = staff.post("/admin/login/key", {"credential": json.dumps(answer)})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    assert staff.get("/admin/").status_code == 200
    signed_in = db.session.scalars(select(AuditEvent).filter_by(event="staff.signed_in")).all()
    assert signed_in[-1].detail["factor"] == "key"

    # The same answer again (its challenge is used up) does not sign anyone in.
    staff.sign_out()
    password_step(staff)
    replay = staff.post("/admin/login/key", {"credential": json.dumps(answer)})
    assert replay.status_code == 401
    assert "n'a pas été reconnue" in html.unescape(replay.get_data(as_text=True))


def registration_id(app) -> str:
    from tests.passkeys import b64url

    stored = db.session.scalars(select(StaffSecurityKey)).one()
    return b64url(stored.credential_id)


def test_a_key_from_another_site_or_another_account_is_refused(app):
    alice = ready_staff(app, ADMIN, "admin")
    bob = ready_staff(app, "bob.conseil@mutuelle.example", "support")
    alice_key, bob_key = SoftAuthenticator(ISSUER), SoftAuthenticator(ISSUER)
    add_key(alice, alice_key)
    add_key(bob, bob_key)
    alice.sign_out()
    password_step(alice)
    request = options(alice, "/admin/login/key/options")
    phished = alice_key.get(request, origin="https://idp.evil.example")
    assert alice.post("/admin/login/key", {"credential": json.dumps(phished)}).status_code == 401
    # Bob's key, answering a challenge issued to Alice, opens nothing either.
    request = options(alice, "/admin/login/key/options")
    bobs = bob_key.get({**request, "allowCredentials": []})
    assert alice.post("/admin/login/key", {"credential": json.dumps(bobs)}).status_code == 401
    assert alice.client.get("/admin/").status_code == 302
    reasons = [e.detail["reason"] for e in db.session.scalars(
        select(AuditEvent).filter_by(event="staff.sign_in_failed"))]  # fmt: skip
    assert reasons[0].startswith("assertion_invalid") and reasons[1] == "unknown_key"


def test_remove_a_key(app):
    staff = ready_staff(app, ADMIN, "admin")
    add_key(staff, SoftAuthenticator(ISSUER))
    stored = db.session.scalars(select(StaffSecurityKey)).one()
    staff.get("/admin/account")
    done = staff.post(f"/admin/account/keys/{stored.id}/remove")
    assert done.status_code == 303 and done.headers["Location"].endswith("done=key_removed")
    assert db.session.scalars(select(StaffSecurityKey)).all() == []
    assert staff.post(f"/admin/account/keys/{stored.id}/remove").status_code == 404
    staff.sign_out()
    password_step(staff)
    assert "Utiliser ma clé" not in staff.get("/admin/login/code").get_data(as_text=True)


def test_keys_are_off_on_an_ip_address(database_url):
    app = build_app(make_settings(database_url))  # http://127.0.0.1:8000
    try:
        with app.app_context():
            staff = ready_staff(app, ADMIN, "admin")
            page = staff.get("/admin/account").get_data(as_text=True)
            assert "pas une adresse IP" in page and "data-webauthn" not in page
    finally:
        dispose_app(app)
