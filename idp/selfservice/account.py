"""The member's account page and password change (current password required)."""

from __future__ import annotations

from flask import render_template, request, url_for

from idp import audit
from idp.accounts.passwords import set_password
from idp.accounts.policy import PasswordRejected
from idp.db import db
from idp.login import session as sso
from idp.models import Member
from idp.runtime import runtime
from idp.selfservice import bp
from idp.selfservice.forms import render_password_form
from idp.selfservice.reset import notify_password_changed
from idp.web.cookies import read_cookie
from idp.web.csrf import check_csrf


def signed_in_member() -> Member | None:
    session = sso.load(read_cookie(sso.COOKIE))
    if session is None:
        return None
    member = db.session.get(Member, session.member_id)
    return member if member is not None and member.active else None


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
    form = {"action": url_for("selfservice.change_password")}
    current = request.form.get("current_password", "")
    new = request.form.get("password", "")
    if not runtime().passwords.verify(member.password_hash, current[:256]):
        audit.record("password.change_failed", member_id=member.id)
        return render_password_form(
            "selfservice/change_password.html", 400, current_error=True, **form
        )
    if new != request.form.get("password_confirmation", ""):
        return render_password_form(
            "selfservice/change_password.html", 400,
            failures=[("password.fail.mismatch", {})], **form,
        )  # fmt: skip
    try:
        set_password(member, new)
    except PasswordRejected as rejected:
        db.session.rollback()
        return render_password_form(
            "selfservice/change_password.html", 400, failures=rejected.failures, **form
        )
    audit.record("password.changed", member_id=member.id, commit=False)
    notify_password_changed(member)  # queued with the change: one transaction
    db.session.commit()
    return render_template("selfservice/password_changed.html")
