"""The member's account page and password change (current password required).

The current password is a secret like the sign-in's: each check reserves a try in the member's
lockout budget for this browser (``throttling/lockout.py``), warns before the last one and
locks as the sign-in does. A change ends the member's other sessions and their refresh tokens
(with back-channel logout) unless the member unticks the box; this session stays.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request, url_for

from idp import audit, sso
from idp.accounts.passwords import NewPasswords
from idp.accounts.policy import PasswordRejected
from idp.db import db
from idp.interaction.locked import locked_page
from idp.logout.sign_out import sign_out_others_than
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.selfservice.blueprint import bp
from idp.selfservice.forms import render_password_form
from idp.selfservice.reset import notify_password_changed
from idp.throttling.known_browsers import known_browser
from idp.throttling.lockout import AccountLocked, AttemptInProgress, Lockout
from idp.web import i18n
from idp.web.cookies import read_cookie
from idp.web.csrf import check_csrf


def signed_in_member() -> Member | None:
    session = sso.load(read_cookie(sso.COOKIE))
    if session is None:
        return None
    member = db.session.get(Member, session.member_id)
    return member if member is not None and member.active else None


@bp.context_processor
def _sign_out_link() -> dict[str, bool]:
    """Every account page, while the member is signed in, offers to sign out (the header's
    link leads to the logout confirmation)."""
    return {"sign_out_link": request.path.startswith("/account") and signed_in_member() is not None}


@bp.get("/account")
def account():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    return render_template("selfservice/account.html", member=member)


@bp.get("/account/password")
def change_password_form():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    return render_password_form(
        "selfservice/change_password.html", action=url_for("selfservice.change_password")
    )


@bp.post("/account/password")
def change_password():
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    form: dict[str, Any] = {"action": url_for("selfservice.change_password")}
    current = request.form.get("current_password", "")
    new = request.form.get("password", "")
    sign_out_others = request.form.get("sign_out_others") == "on"
    form["sign_out_others"] = sign_out_others  # an error page keeps the member's choice
    lang = i18n.current()
    rt = runtime()
    lockout = Lockout.of(rt, current_notifier)
    browser = known_browser(member.id, server=rt.settings.server)
    try:
        attempt = lockout.begin_attempt(member, "account_password", lang, browser=browser)
    except AttemptInProgress as busy:
        return render_password_form(
            "selfservice/change_password.html", 429, current_error=busy.message, **form
        )
    except AccountLocked as locked:
        return locked_response(locked, lockout)
    try:
        verified = rt.passwords.verify(member.password_hash, current[:256])
    except BaseException:
        attempt.release()
        raise
    if not verified:
        audit.record("password.change_failed", member_id=member.id)
        try:
            left = attempt.failed(lang)
        except AccountLocked as locked:
            return locked_response(locked, lockout)
        message = "account.current_wrong_last_try" if left == 1 else "account.current_wrong"
        return render_password_form(
            "selfservice/change_password.html", 400, current_error=message, **form
        )
    attempt.succeeded()
    if new != request.form.get("password_confirmation", ""):
        return render_password_form(
            "selfservice/change_password.html", 400,
            failures=[("password.fail.mismatch", {})], **form,
        )  # fmt: skip
    try:
        NewPasswords.of(runtime()).set(member, new)
    except PasswordRejected as rejected:
        db.session.rollback()
        return render_password_form(
            "selfservice/change_password.html", 400, failures=rejected.failures, **form
        )
    audit.record("password.changed", member_id=member.id)
    # Queued with the change: one transaction.
    notify_password_changed(member, notifier=current_notifier(), clock=runtime().clock)
    db.session.commit()
    ended = 0
    if sign_out_others:
        here = sso.load(read_cookie(sso.COOKIE))
        ended = sign_out_others_than(member, here, reason="password_changed").sessions
    return render_template("selfservice/password_changed.html", others_ended=sign_out_others,
                           sessions_ended=ended)  # fmt: skip


def locked_response(locked: AccountLocked, lockout: Lockout) -> Response:
    """The sign-in's locked page (which ends every session when this check locked the
    member's own browser); the browser then forgets its session too."""
    response = make_response(locked_page(locked, lockout), 403)
    if locked.ends_sessions:
        sso.clear_cookie(response)
    return response
