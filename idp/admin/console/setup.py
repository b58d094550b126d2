"""The setup link of a new console account (``idp staff create`` prints it): choose a password,
then enrol an authenticator app by scanning a QR code (inline SVG drawn here with segno: no
external asset, nothing the CSP refuses) or typing the secret, and confirm with a code. The
token travels in the link, then in the forms' hidden field; the account is signed in once the
code is right."""

from __future__ import annotations

import segno
from flask import redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from idp.accounts.policy import PasswordRejected, password_rules_attributes
from idp.admin import staff as staff_accounts
from idp.admin.console.blueprint import bp
from idp.admin.console.session import ConsoleSessions
from idp.authenticators.totp import provisioning_uri
from idp.models import StaffMember
from idp.runtime import runtime
from idp.web.csrf import check_csrf
from idp.web.i18n import translate

Page = Response | tuple[str, int]


def _invalid() -> tuple[str, int]:
    return render_template("admin/setup_invalid.html"), 400


def _password_page(token: str, status: int, failures: object = None) -> tuple[str, int]:
    attributes = password_rules_attributes(staff_accounts.STAFF_PASSWORD)
    page = render_template("admin/setup_password.html", token=token, failures=failures,
                           rules=staff_accounts.staff_password_rules(),
                           rule_attributes=attributes)  # fmt: skip
    return page, status


def _totp_page(staff: StaffMember, token: str, secret: str, status: int,
               error: str | None = None) -> tuple[str, int]:  # fmt: skip
    issuer_name = runtime().settings.brand.name
    uri = provisioning_uri(secret, staff.email, issuer_name)
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, light="#fff", title=translate("admin.setup.qr_title"), svgclass="qr"
    )
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page = render_template("admin/setup_totp.html", token=token, qr=Markup(svg),  # noqa: S704
                           secret=grouped, email=staff.email, error=error)  # fmt: skip
    return page, status


@bp.get("/setup")
def setup_form() -> Page:
    token = request.args.get("token", "")
    try:
        _accounts().find_by_setup_token(token)
    except staff_accounts.SetupLinkInvalid:
        return _invalid()
    return _password_page(token, 200)


@bp.post("/setup")
def setup_password() -> Page:
    check_csrf()
    token = request.form.get("token", "")
    password = request.form.get("password", "")
    if password != request.form.get("password_confirmation", ""):
        return _password_page(token, 400, [("password.fail.mismatch", {})])
    try:
        staff, secret = _accounts().choose_password(token, password)
    except staff_accounts.SetupLinkInvalid:
        return _invalid()
    except PasswordRejected as rejected:
        return _password_page(token, 400, rejected.failures)
    return _totp_page(staff, token, secret, 200)


@bp.post("/setup/code")
def setup_code() -> Page:
    check_csrf()
    token = request.form.get("token", "")
    accounts = _accounts()
    try:
        staff = accounts.confirm_totp(token, request.form.get("code", ""))
    except staff_accounts.SetupLinkInvalid:
        return _invalid()
    except staff_accounts.TotpRejected as error:
        staff = accounts.find_by_setup_token(token)
        secret = accounts.enrolment_secret(staff)
        return _totp_page(staff, token, secret, 400, error.message)
    accounts.record_sign_in(staff)
    sessions = ConsoleSessions.of(runtime())
    sessions.end_current()
    session = sessions.promote(sessions.start(staff.id))
    response = redirect(url_for("admin_console.home", done="enrolled"))
    sessions.set_cookie(response, session)
    return response


def _accounts() -> staff_accounts.StaffAccounts:
    """The staff accounts on this app's services."""
    return staff_accounts.StaffAccounts.of(runtime())
