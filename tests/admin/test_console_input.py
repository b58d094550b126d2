"""Control characters typed (or forged) into the console's forms: the form's page again with
its French error, a 4xx and nothing stored, never a 500 (PostgreSQL refuses NUL in text);
and a client id that is a member's ``sub`` refused on the client form (RFC 9700 §4.15)."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy import select

from idp.accounts.directory import ensure_demo_member
from idp.db import db
from idp.models import OAuthClient
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER
from tests.admin.staff_actor import Staff, create_staff, path_of, ready_staff
from tests.admin.test_console import NEW_CLIENT
from tests.clients.test_sync import subject_like_a_client_id
from tests.form_sweep import CONTROLS, form, spoilt, sweep

ADMIN = "alice.admin@mutuelle.example"
REFUSED = "Ces réglages ne sont pas valides :"


@pytest.fixture
def admin(app: Flask) -> Staff:
    ensure_demo_member(passwords=runtime().passwords)
    return ready_staff(app, ADMIN, "admin")


def text(page) -> str:
    return html.unescape(page.get_data(as_text=True))


def stored_names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OAuthClient.name)))


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b[2J", "\x9b"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Portail{}"), ("redirect_uris", "https://partenaires.example.org/cb{}"),
     ("client_uri", "https://partenaires.example.org/{}"), ("access_message", "Réservé{}")],
)  # fmt: skip
def test_a_new_client_with_a_control_character_is_the_form_again(
    admin: Staff, field: str, value: str, control: str
) -> None:
    before = stored_names()
    extra = {"access_contract": "health"} if field == "access_message" else {}
    page = admin.post("/admin/clients/new", {**NEW_CLIENT, **extra, field: value.format(control)})
    assert page.status_code == 400, text(page)[:500]
    body = text(page)
    assert REFUSED in body and 'name="redirect_uris"' in body
    assert "control characters are not allowed" in body
    assert field.replace("access_message", "access") in body
    assert db.session.get(OAuthClient, "partner-portal") is None
    assert stored_names() == before


@pytest.mark.parametrize("control", ["\x00", "\x1b[2J"])
def test_an_edit_with_a_control_character_is_the_form_again_and_changes_nothing(
    admin: Staff, control: str
) -> None:
    assert admin.post("/admin/clients/new", NEW_CLIENT).status_code == 201
    backchannel = f"https://partenaires.example.org/{control}"
    for field, value in (("name", f"Portail{control}"), ("backchannel_logout_uri", backchannel)):
        page = admin.post("/admin/clients/partner-portal/edit", {**NEW_CLIENT, field: value})
        assert page.status_code == 400, text(page)[:500]
        assert REFUSED in text(page) and field in text(page)
    db.session.expire_all()
    row = db.session.get(OAuthClient, "partner-portal")
    assert row is not None and row.name == "Portail partenaires"
    assert row.settings["backchannel_logout_uri"] == ""


def test_a_line_of_redirect_uris_is_split_only_at_line_breaks(admin: Staff) -> None:
    """A file separator or NEL is not a line break of the text area: it is refused, not taken
    for one."""
    uris = "https://partenaires.example.org/a\x1chttps://partenaires.example.org/b"
    page = admin.post("/admin/clients/new", {**NEW_CLIENT, "redirect_uris": uris})
    assert page.status_code == 400 and "redirect_uris" in text(page)
    assert db.session.get(OAuthClient, "partner-portal") is None


def test_a_client_id_that_is_a_members_subject_is_refused_on_the_form(admin: Staff) -> None:
    subject = subject_like_a_client_id()
    page = admin.post("/admin/clients/new", {**NEW_CLIENT, "client_id": subject})
    assert page.status_code == 400, text(page)[:500]
    assert REFUSED in text(page) and "is a member's subject identifier" in text(page)
    db.session.expire_all()
    assert db.session.get(OAuthClient, subject) is None


def _post(staff: Staff, action: str, method: str = "POST"):
    def post(fields: dict[str, str]) -> tuple[int, str]:
        if method == "GET":
            page = staff.client.get(action, query_string=fields)
        else:
            page = staff.client.post(action, data=fields)
        return page.status_code, page.get_data(as_text=True)

    return post


# (page to open, the form on it) for a signed-in admin
SIGNED_IN_FORMS = [
    ("/admin/members", "/admin/members"),
    (f"/admin/members/{DEMO_NUMBER}", "/contact"),
    ("/admin/clients/new", "/admin/clients/new"),
    ("/admin/clients/partner-portal/edit", "/edit"),
    ("/admin/clients/partner-portal", "/rotate"),
    ("/admin/clients/partner-portal", "/disable"),
    ("/admin/clients/partner-portal/delete", "/delete"),
    ("/admin/audit", "/admin/audit"),
    ("/admin/", "/admin/logout"),
]


def test_no_field_of_a_signed_in_console_form_is_ever_a_server_error(admin: Staff) -> None:
    assert admin.post("/admin/clients/new", NEW_CLIENT).status_code == 201
    failed = {}
    for path, action in SIGNED_IN_FORMS:
        page = admin.get(path)
        assert page.status_code == 200, path
        found = form(page.get_data(as_text=True), action)
        failed.update(
            {f"{found.action} {k}": v for k, v in
             sweep(_post(admin, found.action, found.method), found.fields).items()}
        )  # fmt: skip
        admin.get(path)  # a fresh CSRF token if an answer rotated it
    # Forms a page shows only in some situations (a locked member, WebAuthn on), as posted.
    for action, fields in (
        ("/admin/account/keys", {"credential": "{}", "name": "Clé du bureau"}),
        (f"/admin/members/{DEMO_NUMBER}/unlock", {}),
        (f"/admin/members/{DEMO_NUMBER}/activation", {}),
        (f"/admin/members/{DEMO_NUMBER}/sessions/end", {}),
        (f"/admin/members/{DEMO_NUMBER}/devices/1/remove", {}),
    ):
        found = sweep(_post(admin, action), {"csrf_token": admin.csrf, **fields})
        failed.update({f"{action} {k}": v for k, v in found.items()})
    for control in CONTROLS.values():
        for path in (f"/admin/clients/p{control}", f"/admin/clients/p{control}/edit",
                     f"/admin/members/1{control}", f"/admin/audit?actor={control}"):  # fmt: skip
            status = admin.client.get(path).status_code
            if status >= 500:
                failed[repr(path)] = (status, "")
    # Numbers past PostgreSQL's integers, digits int() does not read.
    for path in (f"/admin/audit?before={2**31}", "/admin/audit?before=²", "/admin/members/¹"):
        status = admin.client.get(path).status_code
        if status >= 500:
            failed[path] = (status, "")
    ttl = admin.post("/admin/clients/new", {**NEW_CLIENT, "client_id": "p2", "id_token_ttl": "³"})
    assert ttl.status_code == 400 and "id_token_ttl" in text(ttl)
    assert failed == {}
    assert db.session.get(OAuthClient, "partner-portal") is not None


def test_no_field_of_the_sign_in_and_setup_forms_is_ever_a_server_error(app: Flask) -> None:
    ensure_demo_member(passwords=runtime().passwords)
    staff = ready_staff(app, ADMIN, "admin")
    staff.sign_out()
    failed = {}
    login = form(staff.get("/admin/login").get_data(as_text=True), "/admin/login")
    failed.update(sweep(_post(staff, login.action), login.fields | {
        "email": ADMIN, "password": staff.password}))  # fmt: skip
    staff.clock.advance(seconds=30)
    assert staff.submit_password().status_code == 302
    code = form(staff.get("/admin/login/code").get_data(as_text=True), "/admin/login/code")
    failed.update(sweep(_post(staff, code.action), code.fields | {"code": "123456"}))
    failed.update(sweep(_post(staff, "/admin/login/key"),
                        {"csrf_token": staff.csrf, "credential": "{}"}))  # fmt: skip

    newcomer = Staff(app, app.test_client(), "chloe.conseil@mutuelle.example")
    setup_url = path_of(create_staff(app, newcomer.email, "support"))
    setup = form(newcomer.get(setup_url).get_data(as_text=True), "/admin/setup")
    fields = setup.fields | {"password": newcomer.password,
                             "password_confirmation": newcomer.password}  # fmt: skip
    failed.update(sweep(_post(newcomer, setup.action), fields))
    enrol = newcomer.post("/admin/setup", fields)
    assert enrol.status_code == 200, text(enrol)[:500]
    totp = form(enrol.get_data(as_text=True), "/admin/setup/code")
    failed.update(sweep(_post(newcomer, totp.action), totp.fields | {"code": "123456"}))
    assert failed == {}


def test_the_sweep_spoils_each_field_in_turn() -> None:
    fields = {"name": "Portail", "code": ""}
    assert spoilt(fields, "name", "\x00") == {"name": "Por\x00tail", "code": ""}
    assert spoilt(fields, "code", "\x00") == {"name": "Portail", "code": "\x00x"}
    seen: list[dict[str, str]] = []
    assert sweep(lambda f: (seen.append(f), (500, "boom"))[1], {"a": "1"}) == {
        f"a:{label}": (500, "boom") for label in CONTROLS
    }
    assert len(seen) == len(CONTROLS)


def test_an_audit_filter_with_a_control_character_is_said_and_left_out(admin: Staff) -> None:
    page = admin.get("/admin/audit", query_string={"actor": "staff:\x00", "event": "client.*"})
    assert page.status_code == 200
    body = text(page)
    assert "Un filtre contenait des caractères de contrôle : il a été ignoré." in body
    assert 'name="actor" type="text" value=""' in body and 'value="client.*"' in body
