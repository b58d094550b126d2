"""Staff sign-in (``/admin/login``: e-mail and password, then the authenticator app's code or
a security key) and sign-out. The domain checks are in ``idp/admin/staff.py``; this module only
moves the browser between the two steps and sets the ``idp_admin`` cookie."""

from __future__ import annotations

from flask import Response as JsonResponse
from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.admin import security_keys
from idp.admin import staff as staff_accounts
from idp.admin.console.blueprint import bp, safe_next, signed_in_staff
from idp.admin.console.session import PASSWORD, ConsoleSessions, StaffSession
from idp.authenticators.webauthn_ceremony import WebAuthnCeremony
from idp.db import db
from idp.models import StaffMember
from idp.runtime import runtime
from idp.web.csrf import check_csrf

Page = Response | tuple[str, int] | str


@bp.get("/login")
def login_form() -> Page:
    if signed_in_staff() is not None:
        return redirect(url_for("admin_console.home"))
    return render_template("admin/login.html", email="", next=safe_next(request.args.get("next")),
                           done=request.args.get("done"))  # fmt: skip


@bp.post("/login")
def login() -> Page:
    check_csrf()
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"))
    if not email.strip() or not password:
        page = render_template("admin/login.html", email=email, next=next_url,
                               error="admin.login.fields_required")  # fmt: skip
        return page, 400
    try:
        staff = _accounts().verify_password(email, password, ip=request.remote_addr or "")
    except staff_accounts.StaffSignInFailed as error:
        page = render_template("admin/login.html", email=email, next=next_url, error=error.message)
        return page, 401
    # Whatever console session this browser had (another account's, a pending one) ends.
    sessions = ConsoleSessions.of(runtime())
    sessions.end_current()
    pending = sessions.start(staff.id, next_url)
    response = redirect(url_for("admin_console.code_form"))
    sessions.set_cookie(response, pending)
    return response


def _pending() -> tuple[StaffSession, StaffMember] | None:
    session = ConsoleSessions.of(runtime()).current()
    if session is None or session.stage != PASSWORD:
        return None
    staff = db.session.get(StaffMember, session.staff_id)
    return (session, staff) if staff is not None else None


def code_page(staff: StaffMember, status: int = 200, error: str | None = None) -> tuple[str, int]:
    """The second step: the app's code, or a security key when the staff member has one."""
    keys = WebAuthnCeremony.of(runtime()).available() and bool(security_keys.keys_of(staff))
    return render_template("admin/login_code.html", error=error, keys=keys), status


@bp.get("/login/code")
def code_form() -> Page:
    found = _pending()
    if found is None:
        return redirect(url_for("admin_console.login_form", done="expired"))
    return code_page(found[1])


@bp.post("/login/code")
def code() -> Page:
    check_csrf()
    found = _pending()
    if found is None:
        return redirect(url_for("admin_console.login_form", done="expired"))
    pending, staff = found
    try:
        _accounts().verify_totp(staff, request.form.get("code", ""))
    except staff_accounts.TotpRejected as error:
        return code_page(staff, 401, error.message)
    return _signed_in(pending, staff, "totp")


@bp.post("/login/key/options")
def key_options() -> Page:
    check_csrf()
    found = _pending()
    webauthn = WebAuthnCeremony.of(runtime())
    if found is None or not webauthn.available():
        return JsonResponse('{"error": "expired"}', status=403, mimetype="application/json")
    options = security_keys.authentication_options(found[1], webauthn=webauthn)
    return JsonResponse(options, mimetype="application/json")


@bp.post("/login/key")
def key() -> Page:
    check_csrf()
    found = _pending()
    if found is None:
        return redirect(url_for("admin_console.login_form", done="expired"))
    pending, staff = found
    try:
        credential = request.form.get("credential", "")
        _accounts().verify_security_key(staff, credential)
    except security_keys.SecurityKeyRejected as error:
        return code_page(staff, 401, error.message)
    return _signed_in(pending, staff, "key")


def _signed_in(pending: StaffSession, staff: StaffMember, factor: str) -> Response:
    _accounts().record_sign_in(staff, factor)
    sessions = ConsoleSessions.of(runtime())
    session = sessions.promote(pending)
    response = redirect(pending.next or url_for("admin_console.home"))
    sessions.set_cookie(response, session)
    return response


def _accounts() -> staff_accounts.StaffAccounts:
    """The staff accounts on this app's services."""
    return staff_accounts.StaffAccounts.of(runtime())


@bp.post("/logout")
def logout() -> Response:
    check_csrf()
    staff = signed_in_staff()
    if staff is not None:
        audit.record("staff.signed_out", actor=f"staff:{staff.email}")
    sessions = ConsoleSessions.of(runtime())
    sessions.end_current()
    response = make_response(redirect(url_for("admin_console.login_form", done="signed_out")))
    sessions.clear_cookie(response)
    return response
