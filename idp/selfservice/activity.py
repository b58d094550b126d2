"""The account page's recent activity (``/account/activity``): the member's last sign-ins and
the attempts refused on their account (``accounts/activity.py``), and "Ce n'était pas moi"
(``/account/activity/not-me``): a page saying what will happen, then one form that changes the
password and signs the member out of every other device and application.

The form asks for the current password, checked as the password change and the confirmation
of sensitive actions check it (``account.py:verify_current_password``: a try of the member's
lockout budget for this browser, a warning before the last one, the lock). The change is
audited ``account.not_me`` and ``password.changed``, the usual "password changed" notice is
queued with it, then the other sessions end with their refresh tokens (back-channel logout
included); this browser stays signed in with the new password.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from idp import audit
from idp.accounts.activity import places_from, recent_activity
from idp.accounts.devices import format_moment
from idp.accounts.passwords import NewPasswords
from idp.accounts.policy import PasswordRejected
from idp.clients.registry import ClientRegistry
from idp.db import db
from idp.logout.sign_out import SignOut
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.selfservice.account import locked_response, signed_in_member, verify_current_password
from idp.selfservice.blueprint import bp
from idp.selfservice.forms import render_password_form
from idp.selfservice.reset import notify_password_changed
from idp.selfservice.sessions import device_label
from idp.throttling.lockout import AccountLocked, Lockout
from idp.web import i18n
from idp.web.csrf import check_csrf

NOT_ME_FORM = "selfservice/not_me.html"
PASSWORD_LENGTH = 256  # longer input is cut before hashing, as at sign-in


@bp.get("/account/activity")
def activity():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    rt = runtime()
    lang = i18n.current()
    clients = ClientRegistry.of(rt)
    timezone = rt.settings.brand.timezone

    def portal(client_id: str | None) -> str | None:
        client = clients.find(client_id) if client_id else None
        return client.name if client is not None else None

    events = recent_activity(
        member.id, session=db.session(), now=rt.clock.now(),
        retention_days=rt.settings.admin.audit_retention_days,
        places=places_from(rt.settings.accounts.geoip_database), lang=lang,
    )  # fmt: skip
    return render_template(
        "selfservice/activity.html",
        events=events,
        when=lambda moment: format_moment(moment, lang, timezone=timezone),
        device=lambda user_agent: device_label(user_agent) if user_agent else None,
        portal=portal,
    )


@bp.get("/account/activity/not-me")
def not_me_form():
    if signed_in_member() is None:
        return render_template("selfservice/signed_out.html"), 401
    return render_password_form(NOT_ME_FORM, action=url_for("selfservice.not_me"))


@bp.post("/account/activity/not-me")
def not_me():
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    form: dict[str, Any] = {"action": url_for("selfservice.not_me")}
    rt = runtime()
    lockout = Lockout.of(rt, current_notifier)
    refused = verify_current_password(
        member, request.form.get("current_password", "")[:PASSWORD_LENGTH], "account_password",
        "password.change_failed", lockout=lockout, server=rt.settings.server,
    )  # fmt: skip
    if isinstance(refused, AccountLocked):
        return locked_response(refused, lockout)
    if refused is not None:
        message = refused.message or (
            "account.current_wrong_last_try" if refused.last_try else "account.current_wrong"
        )
        return render_password_form(NOT_ME_FORM, refused.status, current_error=message, **form)
    new = request.form.get("password", "")
    if new != request.form.get("password_confirmation", ""):
        return render_password_form(
            NOT_ME_FORM, 400, failures=[("password.fail.mismatch", {})], **form
        )
    try:
        NewPasswords.of(rt).set(member, new)
    except PasswordRejected as rejected:
        db.session.rollback()
        return render_password_form(NOT_ME_FORM, 400, failures=rejected.failures, **form)
    audit.record("account.not_me", member_id=member.id)
    audit.record("password.changed", member_id=member.id, reason="not_me")
    notify_password_changed(member, notifier=current_notifier(), clock=rt.clock)
    db.session.commit()  # the password and its notice, before the sessions end
    sign_out = SignOut.of(rt)
    ended = sign_out.sign_out_others_than(member, sign_out.sessions.current(), reason="not_me")
    return render_template("selfservice/not_me_done.html", sessions_ended=ended.sessions)
