"""The account page's devices: the member's passkeys (Face ID, fingerprint), renamed or
removed by the signed-in member. Each change is audited; a removal is also e-mailed, and
needs the password confirmed when the session's is not recent (``reauth.py``). Renaming does
not: a name changes nothing of how the member signs in."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from idp.accounts.devices import (
    format_moment,
    notify_device_removed,
    remove_device,
    rename_device,
)
from idp.authenticators.passkeys import PasskeyRejected, credentials_of
from idp.authenticators.webauthn_ceremony import NAME_LENGTH
from idp.db import db
from idp.interaction.remembered import RememberedBrowsers
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.selfservice import reauth
from idp.selfservice.account import signed_in_member
from idp.selfservice.blueprint import bp
from idp.web import i18n
from idp.web.csrf import check_csrf

DONE = ("renamed", "removed", "removed_last")


@bp.get("/account/devices")
def devices():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    done = request.args.get("done")
    return devices_page(member, done=done if done in DONE else None)


@bp.post("/account/devices/<id:device_id>/rename")
def rename_device_submit(device_id: int):
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    try:
        rename_device(member, device_id, request.form.get("name", "")[: NAME_LENGTH * 4])
    except PasskeyRejected as rejected:  # blank, or a control character in it
        db.session.rollback()
        message = "devices.name_invalid" if rejected.reason == "control_characters" else None
        return devices_page(member, 400, name_error=device_id,
                            name_message=message or "devices.name_required")  # fmt: skip
    db.session.commit()
    return redirect(url_for("selfservice.devices", done="renamed"), 303)


@bp.post("/account/devices/<id:device_id>/remove")
def remove_device_submit(device_id: int):
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    asked = reauth.confirmation_needed()  # a passkey is a factor: ASVS 5.0 7.5.1
    if asked is not None:
        return asked
    name = remove_device(member, device_id).name
    db.session.commit()
    # The other sessions the passkey opened end; this one, where the member acts, stays.
    sign_out = SignOut.of(runtime())
    sign_out.end_passkey_sessions(member, device_id, spare=sign_out.sessions.current())
    notify_device_removed(member, name, i18n.current(), notifier=current_notifier(),
                          clock=runtime().clock)  # fmt: skip
    done = "removed" if credentials_of(member) else "removed_last"
    response = redirect(url_for("selfservice.devices", done=done), 303)
    # This browser may have held that passkey: offer Face ID / fingerprint here again (if it
    # still holds another, the browser says so at the offer and it is skipped).
    RememberedBrowsers.of(runtime()).mark_passkey_here(request, response, member, False)
    return response


def devices_page(member: Member, status: int = 200, **extra: object):
    lang = i18n.current()
    timezone = runtime().settings.brand.timezone
    page = render_template(
        "selfservice/devices.html",
        devices=credentials_of(member),
        when=lambda moment: format_moment(moment, lang, timezone=timezone),
        name_length=NAME_LENGTH,
        **extra,
    )
    return page, status
