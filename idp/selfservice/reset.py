"""Forgotten password: ask for a link (same answer for everyone), then choose a new password.

A successful reset also ends every SSO session and revokes every refresh token of the member,
and e-mails a notice.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from idp import audit
from idp.accounts.passwords import NewPasswords
from idp.accounts.reset import complete_reset, request_reset, reset_member
from idp.clock import Clock
from idp.db import db
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import Notifier, current_notifier
from idp.runtime import runtime
from idp.selfservice.blueprint import answer_at_least, bp
from idp.selfservice.forms import client_ip, throttle
from idp.selfservice.link_pages import LinkFlow
from idp.throttling.limits import RESET_PER_IDENTIFIER, RESET_PER_IP
from idp.web import i18n
from idp.web.csrf import check_csrf


@bp.get("/password/forgot")
def forgot_form():
    return render_template("selfservice/forgot_form.html", identifier="", error=None)


@bp.post("/password/forgot")
def forgot_submit():
    check_csrf()
    identifier = request.form.get("identifier", "").strip()[:320]
    if not identifier:
        page = render_template("selfservice/forgot_form.html", identifier="", error="form.required")
        return page, 400
    rt = runtime()
    throttle((RESET_PER_IP, client_ip()), (RESET_PER_IDENTIFIER, identifier), redis=rt.redis)
    link_url = rt.settings.server.issuer + url_for("selfservice.reset_form")
    with answer_at_least():
        request_reset(identifier, i18n.current(), link_url, settings=rt.settings.accounts,
                      notifier=current_notifier(), clock=rt.clock)  # fmt: skip
    hours = rt.settings.accounts.reset_link_ttl // 3600
    return render_template("selfservice/forgot_sent.html", valid_hours=hours)


def set_password_by_link(token: str, password: str, passwords: NewPasswords) -> Member:
    """The reset link's last step, with the Redis its locks are lifted in."""
    return complete_reset(token, password, passwords, redis=runtime().redis)


LINK = LinkFlow(
    purpose="reset",
    title="reset.choose_title",
    submit_endpoint="selfservice.reset_submit",
    form_endpoint="selfservice.reset_form",
    restart_endpoint="selfservice.forgot_form",
    find_member=reset_member,
    complete=set_password_by_link,
)


@bp.get("/password/reset")
def reset_form():
    return LINK.form_page()


@bp.post("/password/reset")
def reset_submit():
    member, page = LINK.submit()
    if member is None:
        return page
    end_everything(member)
    notify_password_changed(member, notifier=current_notifier(), clock=runtime().clock)
    db.session.commit()
    i18n.keep_on_switch(url_for("selfservice.reset_done"), done=True)
    return render_template("selfservice/reset_done.html")


@bp.get("/password/reset/done")
def reset_done():
    """The same page in the other language (its link); anyone else goes to the form."""
    if not i18n.kept().get("done"):
        return redirect(url_for("selfservice.forgot_form"), code=303)
    i18n.keep_on_switch(url_for("selfservice.reset_done"), done=True)
    return render_template("selfservice/reset_done.html")


def end_everything(member: Member) -> None:
    """After a reset: every SSO session ends, every refresh token is revoked, and every
    relying party concerned is sent a logout token."""
    signed_out = SignOut.of(runtime()).sign_out_everywhere(member, reason="password_reset")
    audit.record("sessions.ended", member_id=member.id, sessions=signed_out.sessions,
                 token_families=signed_out.token_families)  # fmt: skip


def notify_password_changed(member: Member, *, notifier: Notifier, clock: Clock) -> None:
    """Queue the notice e-mail in the caller's transaction (the caller commits)."""
    if not member.email:
        return
    notifier.queue_email(
        member.email,
        "password_changed",
        i18n.current(),
        member_id=member.id,
        first_name=member.first_name,
        changed_at=clock.now().strftime("%d/%m/%Y %H:%M UTC"),
    )
