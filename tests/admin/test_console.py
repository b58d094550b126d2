"""The console's pages for a signed-in member of staff: member support (search, status, unlock,
contact correction, activation, sessions), clients (create with the secret shown once, edit,
rotate, disable, delete, file-managed read-only) and the audit log (filters, pages). Every
action is audited with ``staff:<email>`` as actor."""

from __future__ import annotations

import html
import time

import pytest
from flask import Flask
from sqlalchemy import select

from idp import audit, sso
from idp.accounts.directory import ensure_demo_member
from idp.clients.registry import secret_digest
from idp.db import db
from idp.models import AuditEvent, Member, OAuthClient, OutboxMessage
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.lockout import AccountLocked, Lockout
from tests.actors import DEMO_NUMBER, add_member, wait_for_mail
from tests.admin.staff_actor import Staff, ready_staff

ADMIN = "alice.admin@mutuelle.example"
SUPPORT = "bob.conseil@mutuelle.example"


@pytest.fixture
def admin(app: Flask) -> Staff:
    ensure_demo_member(passwords=runtime().passwords)
    return ready_staff(app, ADMIN, "admin")


@pytest.fixture
def support(app: Flask) -> Staff:
    ensure_demo_member(passwords=runtime().passwords)
    return ready_staff(app, SUPPORT, "support")


def demo() -> Member:
    db.session.expire_all()
    return db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()


def actors_of(event: str) -> list[str | None]:
    return [e.actor for e in db.session.scalars(select(AuditEvent).filter_by(event=event))]


def lock(member: Member) -> None:
    with pytest.raises(AccountLocked):
        for _ in range(5):
            Lockout.of(runtime(), current_notifier).record_failure(member, "password")


def text(page) -> str:
    """The page's HTML with entities decoded (``l&#39;adhérent`` → ``l'adhérent``)."""
    return html.unescape(page.get_data(as_text=True))


# --- members -------------------------------------------------------------------------------


def test_find_a_member_by_number_name_or_email(support):
    for query in (DEMO_NUMBER, "martin cam", "CAMILLE.MARTIN@example.org"):
        page = support.get(f"/admin/members?q={query}")
        assert page.status_code == 200 and f"/admin/members/{DEMO_NUMBER}" in text(page), query
    assert "Aucun adhérent" in text(support.get("/admin/members?q=zzzz"))


def test_member_page_shows_the_situation_with_channels_masked(support):
    page = support.get(f"/admin/members/{DEMO_NUMBER}")
    body = text(page)
    assert page.status_code == 200 and "Martin Camille" in body
    assert "camille.martin@example.org" not in body and "c•••••@example.org" in body
    assert "+33612345678" not in body
    assert "non bloqué" in body and "activé le" in body
    assert actors_of("account.viewed") == [f"staff:{SUPPORT}"]
    assert support.get("/admin/members/999999999").status_code == 404


def test_unlock_a_locked_member(support):
    lock(demo())
    page = support.get(f"/admin/members/{DEMO_NUMBER}")
    assert "bloqué jusqu'au" in text(page) and "Débloquer le compte" in text(page)
    done = support.post(f"/admin/members/{DEMO_NUMBER}/unlock")
    assert done.status_code == 303
    assert done.headers["Location"] == f"/admin/members/{DEMO_NUMBER}?done=unlocked"
    assert demo().locked_until is None
    assert "Le compte de l'adhérent est débloqué" in text(support.get(done.headers["Location"]))
    assert actors_of("account.unlocked") == [f"staff:{SUPPORT}"]


def test_correct_the_email_and_the_mobile(app, support):
    done = support.post(f"/admin/members/{DEMO_NUMBER}/contact",
                        {"email": "camille.m@example.net", "phone": "06 99 88 77 66"})  # fmt: skip
    assert done.status_code == 303 and done.headers["Location"].endswith("done=contact_changed")
    member = demo()
    assert member.email == "camille.m@example.net" and member.phone == "+33699887766"
    wait_for_mail(app)
    notices = db.session.scalars(select(OutboxMessage).filter_by(purpose="contact_changed"))
    assert {n.recipient for n in notices} == {"camille.martin@example.org", "camille.m@example.net"}
    assert actors_of("account.contact_changed") == [f"staff:{SUPPORT}"]
    bad = support.post(f"/admin/members/{DEMO_NUMBER}/contact", {"phone": "12"})
    assert bad.status_code == 400 and "n° de téléphone n'est pas valide" in text(bad)
    empty = support.post(f"/admin/members/{DEMO_NUMBER}/contact", {})
    assert empty.status_code == 400
    assert demo().phone == "+33699887766"


def test_resend_the_activation_email(app, support):
    add_member(app, "100000077", None, email="alex.durand@example.org")
    page = support.get("/admin/members/100000077")
    assert "Renvoyer l'e-mail d'activation" in text(page)
    done = support.post("/admin/members/100000077/activation")
    assert done.status_code == 303 and done.headers["Location"].endswith("done=activation_sent")
    wait_for_mail(app)
    sent = db.session.scalars(select(OutboxMessage).filter_by(purpose="activation")).one()
    assert sent.recipient == "alex.durand@example.org"
    refused = support.post(f"/admin/members/{DEMO_NUMBER}/activation")
    assert refused.status_code == 409 and "déjà activé" in text(refused)


def test_end_the_members_sessions(support):
    member = demo()
    sessions = sso.SsoSessions.of(runtime())
    sessions.create(member.id, ["pwd"], "urn:idp:acr:pwd", int(time.time()), ip="192.0.2.1")
    page = support.get(f"/admin/members/{DEMO_NUMBER}")
    assert "Déconnecter de tous les appareils (1)" in text(page)
    done = support.post(f"/admin/members/{DEMO_NUMBER}/sessions/end")
    assert done.status_code == 303 and sessions.list_sessions(member.id) == []
    assert actors_of("account.sessions_ended") == [f"staff:{SUPPORT}"]


def test_removing_an_unknown_device_says_so(support):
    page = support.post(f"/admin/members/{DEMO_NUMBER}/devices/12345/remove")
    assert page.status_code == 404 and "n'existe pas" in text(page)


# --- clients -------------------------------------------------------------------------------

NEW_CLIENT = {
    "name": "Portail partenaires",
    "client_id": "partner-portal",
    "type": "confidential",
    "redirect_uris": "https://partenaires.example.org/callback\r\nhttps://partenaires.example.org/cb2",
    "scopes": ["openid", "profile", "member"],
    "grant_types": ["authorization_code", "refresh_token"],
    "require_pkce": "yes",
    "second_factor": "always",
    "webauthn": "never",
    "consent": "explicit",
    "access_token_ttl": "600",
}


def test_create_a_client_and_see_its_secret_once(admin):
    form = admin.get("/admin/clients/new")
    assert form.status_code == 200 and 'name="redirect_uris"' in text(form)
    created = admin.post("/admin/clients/new", NEW_CLIENT)
    assert created.status_code == 201
    body = text(created)
    secret = body.split('id="client-secret" translate="no">')[1].split("<")[0]
    assert len(secret) >= 43 and "ne sera plus jamais affiché" in body
    row = db.session.get(OAuthClient, "partner-portal")
    assert row is not None and row.secret_hash == secret_digest(secret)
    assert row.settings["redirect_uris"] == ["https://partenaires.example.org/callback",
                                             "https://partenaires.example.org/cb2"]  # fmt: skip
    assert row.settings["consent"] == "explicit" and row.settings["access_token_ttl"] == 600
    page = admin.get("/admin/clients/partner-portal")
    assert page.status_code == 200 and secret not in text(page)
    assert actors_of("client.created") == [f"staff:{ADMIN}"]
    assert "partner-portal" in text(admin.get("/admin/clients"))


def test_a_client_breaking_the_rules_is_refused_and_nothing_is_created(admin):
    bad = admin.post("/admin/clients/new", {**NEW_CLIENT, "redirect_uris": "http://example.org/cb"})
    assert bad.status_code == 400 and "redirect_uris" in text(bad)
    assert "Portail partenaires" in text(bad)  # the form keeps what was typed
    ttl = admin.post("/admin/clients/new", {**NEW_CLIENT, "access_token_ttl": "soon"})
    assert ttl.status_code == 400 and "access_token_ttl" in text(ttl)
    assert db.session.get(OAuthClient, "partner-portal") is None


def test_edit_rotate_disable_enable_and_delete_a_client(admin):
    admin.post("/admin/clients/new", NEW_CLIENT)
    edit = admin.get("/admin/clients/partner-portal/edit")
    assert edit.status_code == 200 and "https://partenaires.example.org/cb2" in text(edit)
    saved = admin.post("/admin/clients/partner-portal/edit", {
        **NEW_CLIENT, "name": "Portail des partenaires", "consent": "implicit"})  # fmt: skip
    assert saved.status_code == 303 and saved.headers["Location"].endswith("done=updated")
    db.session.expire_all()
    row = db.session.get(OAuthClient, "partner-portal")
    assert row is not None and row.name == "Portail des partenaires"
    assert row.settings["consent"] == "implicit"

    rotated = admin.post("/admin/clients/partner-portal/rotate")
    secret = text(rotated).split('id="client-secret" translate="no">')[1].split("<")[0]
    db.session.expire_all()
    assert rotated.status_code == 200 and row.secret_hash == secret_digest(secret)
    assert "L'ancien secret reste accepté jusqu'au" in text(rotated)

    off = admin.post("/admin/clients/partner-portal/disable", {"disabled": "yes"})
    assert off.headers["Location"].endswith("done=disabled")
    db.session.expire_all()
    assert db.session.get(OAuthClient, "partner-portal").disabled  # type: ignore[union-attr]
    on = admin.post("/admin/clients/partner-portal/disable", {"disabled": "no"})
    assert on.headers["Location"].endswith("done=enabled")

    confirm = admin.get("/admin/clients/partner-portal/delete")
    assert "Supprimer « Portail des partenaires » ?" in text(confirm)
    gone = admin.post("/admin/clients/partner-portal/delete")
    assert gone.status_code == 303 and gone.headers["Location"] == "/admin/clients?done=deleted"
    db.session.expire_all()
    assert db.session.get(OAuthClient, "partner-portal") is None
    for event in ("client.updated", "client.secret_rotated", "client.disabled", "client.enabled",
                  "client.deleted"):  # fmt: skip
        assert actors_of(event) == [f"staff:{ADMIN}"], event


def test_file_managed_clients_are_read_only(admin):
    page = admin.get("/admin/clients/health-portal")
    body = text(page)
    assert page.status_code == 200 and "géré par clients.yaml" in body
    assert "/admin/clients/health-portal/rotate" not in body
    for path in ("rotate", "disable", "delete", "edit"):
        refused = admin.post(f"/admin/clients/health-portal/{path}", {"disabled": "yes"})
        assert refused.status_code == 409, path
        assert "géré par clients.yaml" in text(refused)
    assert admin.get("/admin/clients/health-portal/edit").status_code == 409
    assert admin.get("/admin/clients/nope").status_code == 404


# --- audit log -----------------------------------------------------------------------------


def test_search_the_audit_log_with_pages(admin):
    member = demo()
    for i in range(60):
        audit.record("login.password_failed", member_id=member.id, commit=False, n=i)
    audit.record("client.created", client_id="x", actor="client:ops")
    page = admin.get(f"/admin/audit?member={DEMO_NUMBER}&event=login.*")
    body = text(page)
    assert page.status_code == 200 and body.count("<code>login.password_failed</code>") == 50
    assert "client.created" not in body.split('id="events"')[1]
    older = body.split('href="')[-1].split('"')[0].replace("&amp;", "&")
    assert "before=" in older
    rest = text(admin.get(older))
    assert rest.count("<code>login.password_failed</code>") == 10
    by_actor = text(admin.get("/admin/audit?actor=client:ops"))
    assert "<code>client.created</code>" in by_actor
    future = text(admin.get("/admin/audit?since=2999-01-01"))
    assert "Aucun événement ne correspond" in future
    bad = admin.get("/admin/audit?until=31/12/2024")
    assert bad.status_code == 200 and "Date invalide" in text(bad)


def test_every_console_text_exists_in_french_and_english():
    import re
    from pathlib import Path

    from idp.admin.console.clients import CHOICES, SCOPES
    from idp.web.catalog import EN, FR

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("templates/admin/*.html"), *root.glob("idp/admin/console/*.py"),
               root / "idp/admin/staff.py", root / "idp/admin/security_keys.py"]  # fmt: skip
    literal = re.compile(r"[\"'](admin\.[a-z_.]+[a-z])[\"']")  # "admin.done." + … is not one
    keys = {key for source in sources for key in literal.findall(source.read_text())}
    keys.discard("admin.css")  # the stylesheet
    keys |= {f"admin.client.{name}_{option}" for name, options in CHOICES.items()
             for option in options}  # fmt: skip
    keys |= {f"admin.scope.{scope.replace(':', '_')}" for scope in SCOPES}
    keys |= {f"admin.{group}.{name}" for group, names in {
        "role": ("admin", "support"), "contract": ("health", "provident"),
        "channel": ("sms", "email"), "nav": ("home", "members", "clients", "audit"),
        "home": ("lead_admin", "lead_support"),
        "member": ("contact_invalid_email", "contact_invalid_phone"),
        "client": ("type_confidential", "type_public"),
    }.items() for name in names}  # fmt: skip
    assert len(keys) > 150
    assert sorted(k for k in keys if k not in FR) == []
    assert sorted(k for k in keys if k not in EN) == []
    assert sorted(k for k in FR if k.startswith("admin.") and k not in EN) == []
