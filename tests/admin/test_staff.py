"""Console staff accounts: ``idp staff create`` → setup link → password → TOTP enrolment →
sign-in with password and code; replayed and wrong codes refused; no account enumeration;
roles; CSRF; the ``idp_admin`` session and sign-out."""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, timedelta
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from idp.admin import staff as staff_accounts
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, StaffMember
from idp.runtime import runtime
from tests.admin.staff_actor import (
    STAFF_PASSWORD,
    Staff,
    create_staff,
    path_of,
    ready_staff,
)

ADMIN_EMAIL = "alice.admin@mutuelle.example"
SUPPORT_EMAIL = "bob.conseil@mutuelle.example"


@pytest.fixture
def clock(app: Flask) -> ShiftedClock:
    clock = ShiftedClock()
    runtime(app).clock = clock
    return clock


def events(name: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).filter_by(event=name).order_by(AuditEvent.id))
    )


def cookie(response, name: str) -> SimpleCookie:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            return jar
    raise AssertionError(f"no {name} cookie set")


def staff_row(email: str) -> StaffMember:
    db.session.expire_all()
    return db.session.scalars(select(StaffMember).filter_by(email=email)).one()


# --- creation and setup ------------------------------------------------------------------


def test_create_prints_a_one_time_setup_link_and_stores_only_its_digest(app, clock):
    url = create_staff(app, ADMIN_EMAIL, "admin")
    assert url.startswith("http://127.0.0.1:8000/admin/setup?token=")
    token = parse_qs(urlsplit(url).query)["token"][0]
    row = staff_row(ADMIN_EMAIL)
    assert row.role == "admin" and row.password_hash is None and row.totp_secret is None
    assert row.setup_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.setup_expires_at == pytest.approx(clock.now() + timedelta(hours=24),
                                                 abs=timedelta(seconds=5))  # fmt: skip
    created = events("staff.created")
    assert len(created) == 1 and token not in str(created[0].detail)


def test_the_setup_page_lists_the_staff_rules_as_the_members_pages_do(app, clock):
    url = create_staff(app, ADMIN_EMAIL, "admin")
    page = Staff(app, app.test_client(), ADMIN_EMAIL).get(path_of(url)).get_data(as_text=True)
    rules = page.split('id="password-rules"')[1].split("</ul>")[0]
    items = [html.unescape(i.split(">", 1)[1].split("</li>")[0].strip())
             for i in rules.split("<li")[1:]]  # fmt: skip
    assert items == [
        "Entre 12 et 128 caractères",
        "Pas un mot de passe courant (azerty, soleil123…)",
        "Sans votre adresse e-mail",
    ]
    # The live hints of the members' pages: length checked as it is typed, no class rule.
    assert 'data-min-length="12"' in page and 'data-min-classes="0"' in page
    assert "password_hints.js" in page


def test_cli_refuses_a_second_account_for_the_same_email_and_an_unknown_role(app, clock):
    create_staff(app, ADMIN_EMAIL, "admin")
    runner = app.test_cli_runner()
    again = runner.invoke(args=["staff", "create", ADMIN_EMAIL.upper(), "--role", "support"])
    assert again.exit_code == 1 and "already has a console account" in again.output
    role = runner.invoke(args=["staff", "create", "x@mutuelle.example", "--role", "root"])
    assert role.exit_code != 0
    bad = runner.invoke(args=["staff", "create", "not-an-address", "--role", "admin"])
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output


def test_setup_password_then_totp_enrolment_signs_in(app, clock):
    url = create_staff(app, ADMIN_EMAIL, "admin")
    staff = Staff(app, app.test_client(), ADMIN_EMAIL)
    token = parse_qs(urlsplit(url).query)["token"][0]
    form = staff.get(path_of(url))
    assert form.status_code == 200 and "Étape 1 sur 2" in form.get_data(as_text=True)

    def choose(password: str, confirmation: str | None = None):
        form = {"password": password, "password_confirmation": confirmation or password}
        return staff.post("/admin/setup", {"token": token, **form})

    short = choose("court")
    assert short.status_code == 400 and "trop court" in short.get_data(as_text=True)
    mismatch = choose(STAFF_PASSWORD, STAFF_PASSWORD + "!")
    assert mismatch.status_code == 400 and "différents" in mismatch.get_data(as_text=True)
    personal = choose("alice.admin-2025-xyz")
    assert personal.status_code == 400
    assert "ne doit pas contenir votre adresse e-mail" in personal.get_data(as_text=True)

    enrol = choose(STAFF_PASSWORD)
    html = enrol.get_data(as_text=True)
    assert enrol.status_code == 200 and "<svg" in html and 'class="qr"' in html
    assert "<img" not in html and "style=" not in html  # inline SVG, nothing the CSP refuses
    staff.secret = html.split('id="totp-secret" translate="no">')[1].split("<")[0].replace(" ", "")
    row = staff_row(ADMIN_EMAIL)
    assert row.totp_secret is not None and staff.secret.encode() not in row.totp_secret
    accounts = staff_accounts.StaffAccounts.of(runtime())
    assert accounts.enrolment_secret(row) == staff.secret  # encrypted, readable by us
    # Not signed in, and the account cannot sign in, until a code confirms the enrolment.
    assert staff.client.get("/admin/").status_code == 302
    assert staff_accounts.can_sign_in(row) is False

    wrong = staff.post("/admin/setup/code", {"token": token, "code": "000000"})
    assert wrong.status_code == 400 and "<svg" in wrong.get_data(as_text=True)
    done = staff.post("/admin/setup/code", {"token": token, "code": staff.code()})
    assert done.status_code == 302 and done.headers["Location"].startswith("/admin/?done=")
    home = staff.get("/admin/")
    assert home.status_code == 200 and ADMIN_EMAIL in home.get_data(as_text=True)
    assert "Votre compte est prêt" in staff.get("/admin/?done=enrolled").get_data(as_text=True)
    assert staff_row(ADMIN_EMAIL).setup_token_hash is None
    assert [e.actor for e in events("staff.enrolled")] == [f"staff:{ADMIN_EMAIL}"]
    # The link worked once.
    assert staff.get(path_of(url)).status_code == 400


def test_an_expired_setup_link_is_refused(app, clock):
    url = create_staff(app, ADMIN_EMAIL, "admin")
    clock.advance(hours=24, seconds=1)
    page = app.test_client().get(path_of(url))
    assert page.status_code == 400 and "24 heures" in page.get_data(as_text=True)


def test_list_disable_and_enable_accounts(app, clock):
    ready_staff(app, ADMIN_EMAIL, "admin")
    create_staff(app, SUPPORT_EMAIL, "support")
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["staff", "list"]).output.splitlines()
    assert listed[0].startswith(f"{ADMIN_EMAIL}\tadmin\tready\tlast sign-in 20")
    assert listed[1] == f"{SUPPORT_EMAIL}\tsupport\tsetup pending\tlast sign-in -"
    assert runner.invoke(args=["staff", "disable", ADMIN_EMAIL]).exit_code == 0
    assert "\tdisabled\t" in runner.invoke(args=["staff", "list"]).output.splitlines()[0]
    assert runner.invoke(args=["staff", "disable", ADMIN_EMAIL, "--enable"]).exit_code == 0
    assert "\tready\t" in runner.invoke(args=["staff", "list"]).output.splitlines()[0]
    assert runner.invoke(args=["staff", "disable", "nobody@x.example"]).exit_code == 1
    assert [e.actor for e in events("staff.disabled")] == ["cli"]


def test_reset_wipes_the_credentials_and_issues_a_new_link(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    result = app.test_cli_runner().invoke(args=["staff", "reset", ADMIN_EMAIL])
    assert result.exit_code == 0 and "/admin/setup?token=" in result.output
    assert staff.client.get("/admin/").status_code == 302  # the open session ends
    assert staff.submit_password().status_code == 401


# --- sign-in -------------------------------------------------------------------------------


def test_sign_in_with_password_then_code(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    staff.sign_out()
    clock.advance(seconds=30)
    first = staff.submit_password()
    assert first.status_code == 302 and first.headers["Location"] == "/admin/login/code"
    pending = cookie(first, "idp_admin")["idp_admin"]
    # The password alone opens nothing.
    assert staff.client.get("/admin/members").status_code == 302
    page = staff.get("/admin/login/code")
    code_input = page.get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in code_input and 'inputmode="numeric"' in code_input
    done = staff.submit_code(staff.code())
    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    session = cookie(done, "idp_admin")["idp_admin"]
    assert session.value != pending.value  # a new session id at sign-in
    assert session["httponly"] and session["samesite"] == "Strict" and session["path"] == "/admin"
    assert not session["secure"]  # http issuer in tests; https issuers get Secure
    assert staff.get("/admin/").status_code == 200
    signed_in = events("staff.signed_in")
    assert signed_in[-1].actor == f"staff:{ADMIN_EMAIL}" and signed_in[-1].ip
    assert staff_row(ADMIN_EMAIL).last_sign_in_at is not None


def test_a_replayed_code_is_refused(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    staff.sign_out()
    clock.advance(seconds=30)
    code = staff.code()
    staff.submit_password()
    assert staff.submit_code(code).status_code == 302
    staff.sign_out()
    # Same code, same 30 seconds: someone who saw it over the shoulder cannot use it again.
    staff.submit_password()
    replay = staff.submit_code(code)
    assert replay.status_code == 401 and "déjà utilisé" in replay.get_data(as_text=True)
    # Nor can the previous step's code, still inside the drift window.
    assert staff.submit_code(staff.code(steps_later=-1)).status_code == 401
    assert [e.detail["reason"] for e in events("staff.sign_in_failed")] == ["replayed", "replayed"]
    # The next code works.
    assert staff.submit_code(staff.code(steps_later=1)).status_code == 302


def test_verify_totp_refuses_a_step_already_recorded(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    clock.advance(seconds=30)
    row = staff_row(ADMIN_EMAIL)
    code = staff.code()
    first, second = staff_row(ADMIN_EMAIL), db.session.get(StaffMember, row.id)
    accounts = staff_accounts.StaffAccounts.of(runtime())
    accounts.verify_totp(first, code)
    with pytest.raises(staff_accounts.TotpRejected):
        accounts.verify_totp(second, code)  # its last step was read before the first use


def test_a_wrong_code_is_refused_and_five_failures_lock_the_account(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    staff.sign_out()
    staff.submit_password()
    wrong = staff.submit_code("123456" if staff.code() != "123456" else "654321")
    assert wrong.status_code == 401 and "Code incorrect" in wrong.get_data(as_text=True)
    assert staff.submit_code("12ab56").status_code == 401
    for _ in range(3):
        staff.submit_password("not the right password")
    # Five failures: even the right password and code are refused, with the same answer.
    clock.advance(seconds=30)
    locked = staff.submit_password()
    assert locked.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in locked.get_data(as_text=True)
    assert events("staff.sign_in_failed")[-1].detail["reason"] == "locked"
    clock.advance(minutes=15)
    runtime(app).redis.flushdb()  # the 15-minute window ends (Redis keeps real time)
    staff.sign_in()


def test_unknown_email_disabled_and_wrong_password_get_the_same_answer(app, clock):
    ready_staff(app, ADMIN_EMAIL, "admin")
    ready_staff(app, SUPPORT_EMAIL, "support")
    assert app.test_cli_runner().invoke(args=["staff", "disable", SUPPORT_EMAIL]).exit_code == 0
    answers = []
    for email, password in ((ADMIN_EMAIL, "wrong password here"),
                            ("nobody@mutuelle.example", STAFF_PASSWORD),
                            (SUPPORT_EMAIL, STAFF_PASSWORD)):  # fmt: skip
        staff = Staff(app, app.test_client(), email)
        page = staff.submit_password(password)
        body = page.get_data(as_text=True)
        answers.append((page.status_code, body.split('role="alert"')[1].split("<")[0]))
        assert "idp_admin=" not in str(page.headers.getlist("Set-Cookie"))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401


def test_rate_limit_per_email_applies_to_unknown_addresses_too(app, clock):
    staff = Staff(app, app.test_client(), "nobody@mutuelle.example")
    for _ in range(staff_accounts.SIGN_IN_PER_EMAIL.limit):
        assert staff.submit_password("whatever it is").status_code == 401
    limited = staff.submit_password("whatever it is")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


# --- roles, CSRF, session ------------------------------------------------------------------


def test_support_cannot_open_client_pages(app, clock):
    support = ready_staff(app, SUPPORT_EMAIL, "support")
    for path in ("/admin/clients", "/admin/clients/new", "/admin/clients/health-portal"):
        page = support.get(path)
        assert page.status_code == 403, path
        assert "Accès refusé" in page.get_data(as_text=True)
    form = {"name": "X", "type": "public", "redirect_uris": "https://x.example/cb"}
    created = support.post("/admin/clients/new", form)
    assert created.status_code == 403
    assert support.get("/admin/members").status_code == 200
    assert support.get("/admin/audit").status_code == 200
    assert "/admin/clients" not in support.get("/admin/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in_and_back(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    staff.sign_out()
    page = staff.client.get("/admin/audit?event=login.*")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/admin/login?next=")
    staff.get(page.headers["Location"])
    clock.advance(seconds=30)
    staff.post("/admin/login", {"email": ADMIN_EMAIL, "password": staff.password,
                                "next": "/admin/audit?event=login.*"})  # fmt: skip
    done = staff.submit_code(staff.code())
    assert done.headers["Location"] == "/admin/audit?event=login.*"
    # Never elsewhere.
    staff.sign_out()
    clock.advance(seconds=30)
    staff.get("/admin/login")
    staff.post("/admin/login", {"email": ADMIN_EMAIL, "password": staff.password,
                                "next": "//evil.example/admin/"})  # fmt: skip
    assert staff.submit_code(staff.code()).headers["Location"] == "/admin/"


def test_forms_without_the_csrf_token_are_refused(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    logout = staff.post("/admin/logout", csrf=False)
    assert logout.status_code == 400
    assert staff.get("/admin/").status_code == 200  # still signed in
    other = Staff(app, app.test_client(), ADMIN_EMAIL)
    other.get("/admin/login")
    login = other.post("/admin/login", {"email": ADMIN_EMAIL, "password": STAFF_PASSWORD},
                       csrf=False)  # fmt: skip
    assert login.status_code == 400 and "idp_admin=" not in str(login.headers)
    forged = staff.client.post("/admin/clients/new", data={"csrf_token": "forged", "name": "X"})
    assert forged.status_code == 400


def test_sign_out_ends_the_session(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    sid = staff.client.get_cookie("idp_admin", path="/admin")
    assert sid is not None
    out = staff.sign_out()
    assert out.status_code == 302 and out.headers["Location"] == "/admin/login?done=signed_out"
    assert cookie(out, "idp_admin")["idp_admin"].value == ""
    assert staff.client.get("/admin/").status_code == 302
    # The old cookie value is worth nothing any more.
    again = app.test_client()
    again.set_cookie("idp_admin", sid.value, path="/admin")
    assert again.get("/admin/").status_code == 302
    assert [e.actor for e in events("staff.signed_out")] == [f"staff:{ADMIN_EMAIL}"]


def test_sessions_end_after_the_idle_time(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    redis = runtime(app).redis
    (name,) = [k for k in redis.keys("idp:staff-session:*")]
    assert 0 < redis.ttl(name) <= app.extensions["idp"].settings.admin.staff_session_idle
    redis.delete(name)  # what Redis does when the idle time has passed
    assert staff.client.get("/admin/").status_code == 302


def test_a_disabled_account_loses_its_open_session(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    assert app.test_cli_runner().invoke(args=["staff", "disable", ADMIN_EMAIL]).exit_code == 0
    assert staff.client.get("/admin/").status_code == 302


def test_console_pages_are_not_cached_and_english_on_request(app, clock):
    staff = ready_staff(app, ADMIN_EMAIL, "admin")
    page = staff.get("/admin/members?lang=en")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in page.headers
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and "Member number, name or e-mail address" in html
    login = app.test_client().get("/admin/login")
    assert login.headers["Cache-Control"] == "no-store"
    assert "Connexion à la console" in login.get_data(as_text=True)


def test_totp_codes_match_pyotp_with_one_step_of_drift(app, clock):
    secret = pyotp.random_base32()
    now = clock.now()
    step = int(now.replace(tzinfo=UTC).timestamp()) // 30
    totp = pyotp.TOTP(secret)
    from idp.authenticators.totp import matching_step

    assert matching_step(secret, totp.at(step * 30), now) == step
    assert matching_step(secret, totp.at((step - 1) * 30), now) == step - 1
    assert matching_step(secret, totp.at((step + 1) * 30), now) == step + 1
    assert matching_step(secret, totp.at((step - 2) * 30), now) is None
    assert matching_step(secret, "12345", now) is None


def test_two_parallel_uses_of_one_code_pass_once(live_server):
    """Two browsers past the password step send the same code at the same moment over HTTP:
    the conditional UPDATE lets exactly one through."""
    import re
    import threading

    import requests

    app = live_server.app
    with app.app_context():
        staff = ready_staff(app, ADMIN_EMAIL, "admin")
        staff.clock.advance(seconds=30)
        code = staff.code()
    browsers = []
    for _ in range(2):
        browser = requests.Session()
        page = browser.get(f"{live_server.url}/admin/login", timeout=5)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        token = found.group(1)
        sent = browser.post(f"{live_server.url}/admin/login", timeout=5, allow_redirects=False,
                            data={"csrf_token": token, "email": ADMIN_EMAIL,
                                  "password": STAFF_PASSWORD})  # fmt: skip
        assert sent.status_code == 302
        browsers.append((browser, token))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(browser: requests.Session, token: str) -> None:
        barrier.wait()
        form = {"csrf_token": token, "code": code}
        answer = browser.post(f"{live_server.url}/admin/login/code", data=form, timeout=10,
                              allow_redirects=False)  # fmt: skip
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert sorted(statuses) == [302, 401]


def test_parallel_wrong_passwords_check_at_most_the_threshold(live_server):
    """Ten wrong passwords for one staff account at the same moment over HTTP: each try is
    reserved before its hash is checked, so exactly five are checked and counted, the others
    are refused unchecked, and the account is then locked even for the right password."""
    import re
    import threading

    import requests

    app = live_server.app
    with app.app_context():
        ready_staff(app, ADMIN_EMAIL, "admin")
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def guess(n: int) -> None:
        browser = requests.Session()
        page = browser.get(f"{live_server.url}/admin/login", timeout=5)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        barrier.wait()
        answer = browser.post(f"{live_server.url}/admin/login", timeout=20, allow_redirects=False,
                              data={"csrf_token": found.group(1), "email": ADMIN_EMAIL,
                                    "password": f"Wrong-password-{n:04d}"})  # fmt: skip
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(statuses) == 10 and all(s < 500 and s != 302 for s in statuses), statuses
    with app.app_context():
        reasons = [e.detail["reason"] for e in events("staff.sign_in_failed")]
        assert reasons.count("wrong") == 5, reasons
        assert set(reasons) <= {"wrong", "in_flight", "locked"} and len(reasons) == 10
        # Five minutes later the per-e-mail rate limit has passed; the 15-minute lock has not.
        redis = runtime().redis
        for name in redis.scan_iter(match="idp:rate:staff-sign-in-email:*"):
            redis.delete(name)
        with pytest.raises(staff_accounts.StaffSignInFailed):
            staff_accounts.StaffAccounts.of(runtime()).verify_password(
                ADMIN_EMAIL, STAFF_PASSWORD, ip="192.0.2.10"
            )
        assert events("staff.sign_in_failed")[-1].detail["reason"] == "locked"
