"""The staff member's own page (``/admin/account``): their security keys, added with the
WebAuthn ceremony of ``static/admin_keys.js`` (options fetched with the CSRF token in a header,
the answer posted as an ordinary form) and removed with a form."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from idp.admin import security_keys
from idp.admin.console.blueprint import STAFF, bp, current_staff, staff_page
from idp.authenticators.webauthn_ceremony import WebAuthnCeremony
from idp.runtime import runtime

Page = HttpResponse | tuple[str, int] | str


def account_page(status: int = 200, **context: object) -> tuple[str, int]:
    staff = current_staff()
    page = render_template("admin/account.html", section="account",
                           keys=security_keys.keys_of(staff),
                           keys_available=_webauthn().available(), **context)  # fmt: skip
    return page, status


@bp.get("/account")
@staff_page(STAFF)
def account() -> Page:
    return account_page(done=request.args.get("done"))


@bp.post("/account/keys/options")
@staff_page(STAFF)
def key_registration_options() -> Response:
    options = security_keys.registration_options(current_staff(), webauthn=_webauthn())
    return Response(options, mimetype="application/json")


@bp.post("/account/keys")
@staff_page(STAFF)
def add_key() -> Page:
    try:
        security_keys.add_key(current_staff(), request.form.get("credential", ""),
                              request.form.get("name", ""), webauthn=_webauthn())  # fmt: skip
    except security_keys.SecurityKeyRejected as rejected:
        return account_page(400, error=rejected.message)
    return redirect(url_for("admin_console.account", done="key_added"), code=303)


@bp.post("/account/keys/<id:key_id>/remove")
@staff_page(STAFF)
def remove_key(key_id: int) -> Page:
    try:
        security_keys.remove_key(current_staff(), key_id)
    except security_keys.SecurityKeyRejected:
        return account_page(404, error="admin.key.not_found")
    return redirect(url_for("admin_console.account", done="key_removed"), code=303)


def _webauthn() -> WebAuthnCeremony:
    """The security keys' ceremony, on this app's settings and Redis."""
    return WebAuthnCeremony.of(runtime())
