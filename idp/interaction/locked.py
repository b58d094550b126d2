"""The locked page of every sign-in step and of the account page's password check."""

from __future__ import annotations

from flask import render_template

from idp.db import db
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.throttling.lockout import AccountLocked, Lockout, local_time, lock_duration


def locked_page(locked: AccountLocked, lockout: Lockout, *, sign_out: SignOut) -> str:
    """The same page for a member and for an identifier that names no account. The request
    whose failure locked a browser that knows the member also signs the member out everywhere
    (their own device is failing); a lock met by unknown browsers leaves the member's
    sessions alone, or anyone could sign anyone out. The end and the duration are said as
    ``lockout`` has them."""
    if locked.ends_sessions and locked.member_id is not None:
        member = db.session.get(Member, locked.member_id)
        if member is not None:
            sign_out.sign_out_everywhere(member, reason="locked")
    until = local_time(locked.until, lockout.timezone)
    return render_template(
        "login/locked.html",
        until_date=until.strftime("%d/%m/%Y"),
        until_time=until.strftime("%H:%M"),
        duration=lock_duration(lockout.settings),
    )
