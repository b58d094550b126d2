"""The member's account page and password change (current password required).

The current password is a secret like the sign-in's: each check reserves a try in the member's
lockout budget for this browser (``throttling/lockout.py``), warns before the last one and
locks as the sign-in does. A change ends the member's other sessions and their refresh tokens
(with back-channel logout) unless the member unticks the box; this session stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, render_template, request, url_for

from idp import audit
from idp.accounts.passwords import NewPasswords
from idp.accounts.policy import PasswordRejected
from idp.config import ServerSettings
from idp.db import db
from idp.interaction.locked import locked_page
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.selfservice.blueprint import bp
from idp.selfservice.forms import (
    MISMATCH,
    policy_failures,
    refused_password,
    render_password_form,
)
from idp.selfservice.reset import notify_password_changed
from idp.sso import SsoSessions
from idp.throttling.known_browsers import known_browser
from idp.throttling.lockout import AccountLocked, AttemptInProgress, Lockout
from idp.web import i18n
from idp.web.csrf import check_csrf


def signed_in_member() -> Member | None:
    session = SsoSessions.of(runtime()).current()
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


@dataclass(frozen=True)
class PasswordRefused:
    """The current password was not accepted: wrong (``last_try`` when the next failure
    locks), or not checked because every try left is being checked (``message``, 429)."""

    status: int
    last_try: bool = False
    message: str | None = None


def verify_current_password(
    member: Member, password: str, step: str, failed_event: str, *, lockout: Lockout,
    server: ServerSettings,
) -> PasswordRefused | AccountLocked | None:  # fmt: skip
    """None when ``password`` is the signed-in member's. Every check of it (the password
    change, the confirmation of a sensitive action) is a try of the sign-in's lockout, in
    this browser's budget, under ``step``: a wrong one is audited ``failed_event`` and
    counted, and may lock the account (the lock is returned, for its page)."""
    lang = i18n.current()
    try:
        attempt = lockout.begin_attempt(
            member, step, lang, browser=known_browser(member.id, server=server)
        )
    except AttemptInProgress as busy:
        return PasswordRefused(429, message=busy.message)
    except AccountLocked as locked:
        return locked
    try:
        verified = runtime().passwords.verify(member.password_hash, password)
    except BaseException:
        attempt.release()
        raise
    if verified:
        attempt.succeeded()
        return None
    audit.record(failed_event, member_id=member.id)
    try:
        left = attempt.failed(lang)
    except AccountLocked as locked:
        return locked
    return PasswordRefused(400, last_try=left == 1)


@bp.get("/account/password")
def change_password_form():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    return render_password_form(
        "selfservice/change_password.html", action=url_for("selfservice.change_password"),
        username=member.member_number,
    )  # fmt: skip


@bp.post("/account/password")
def change_password():
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    form: dict[str, Any] = {
        "action": url_for("selfservice.change_password"),
        "username": member.member_number,  # for password managers, as on the form
    }
    current = request.form.get("current_password", "")
    new = request.form.get("password", "")
    sign_out_others = request.form.get("sign_out_others") == "on"
    form["sign_out_others"] = sign_out_others  # an error page keeps the member's choice
    rt = runtime()
    lockout = Lockout.of(rt, current_notifier)
    refused = verify_current_password(
        member, current[:256], "account_password", "password.change_failed",
        lockout=lockout, server=rt.settings.server,
    )  # fmt: skip
    if isinstance(refused, AccountLocked):
        return locked_response(refused, lockout)
    if refused is not None:
        message = refused.message or (
            "account.current_wrong_last_try" if refused.last_try else "account.current_wrong"
        )
        return render_password_form(
            "selfservice/change_password.html", refused.status, current_error=message, **form
        )
    passwords = NewPasswords.of(rt)
    if new != request.form.get("password_confirmation", ""):
        failures = [*policy_failures(new, member, passwords), MISMATCH]
        return render_password_form(
            "selfservice/change_password.html", 400, **refused_password(new, failures), **form
        )
    try:
        passwords.set(member, new)
    except PasswordRejected as rejected:
        db.session.rollback()
        return render_password_form(
            "selfservice/change_password.html", 400,
            **refused_password(new, rejected.failures), **form,
        )  # fmt: skip
    audit.record("password.changed", member_id=member.id)
    # Queued with the change: one transaction.
    notify_password_changed(member, notifier=current_notifier(), clock=runtime().clock)
    db.session.commit()
    ended = 0
    if sign_out_others:
        sign_out = SignOut.of(runtime())
        here = sign_out.sessions.current()
        ended = sign_out.sign_out_others_than(member, here, reason="password_changed").sessions
    return render_template("selfservice/password_changed.html", others_ended=sign_out_others,
                           sessions_ended=ended)  # fmt: skip


def locked_response(locked: AccountLocked, lockout: Lockout) -> Response:
    """The sign-in's locked page (which ends every session when this check locked the
    member's own browser); the browser then forgets its session too."""
    response = make_response(locked_page(locked, lockout, sign_out=SignOut.of(runtime())), 403)
    if locked.ends_sessions:
        SsoSessions.of(runtime()).clear_cookie(response)
    return response
