"""Member support pages (``/admin/members``): find a member, see their situation, and fix it
(unlock, correct the e-mail or mobile number, resend the activation e-mail, end sessions,
remove a Face ID / fingerprint device). The actions are ``idp/admin/support.py``'s, which
audit them with the staff member as actor; each answers with a redirect to the member's page
and a confirmation, or the page again with the reason it could not be done.

Notices to the member (contact change, device removed, activation link) are written in the
language of the member's last sign-in (French by default), whatever the console's language.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from idp.accounts.devices import DeviceNotFound
from idp.admin import support
from idp.admin.console.blueprint import STAFF, actor, bp, staff_page
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.sso import SsoSessions
from idp.text import is_ascii_number

Page = Response | tuple[str, int] | str
SEARCH_LIMIT = 50


@bp.get("/members")
@staff_page(STAFF)
def members() -> str:
    query = request.args.get("q", "").strip()[:200]
    found = support.find_members(query, limit=SEARCH_LIMIT) if query else []
    clock = runtime().clock
    summaries = [support.member_summary(m, clock=clock) for m in found]
    return render_template("admin/members.html", section="members", q=query, results=summaries,
                           searched=bool(query), limit=SEARCH_LIMIT)  # fmt: skip


def _member(member_number: str) -> Member:
    member = support.find_member(member_number) if is_ascii_number(member_number) else None
    if member is None:
        abort(404)
    return member


def member_page(member: Member, status: int = 200, **context: object) -> tuple[str, int]:
    page = render_template("admin/member.html", section="members", member=member,
                           info=support.member_status(member, clock=runtime().clock,
                                                      sessions=SsoSessions.of(runtime())),
                           **context)  # fmt: skip
    return page, status


def _done(member: Member, done: str) -> Response:
    target = url_for("admin_console.member", member_number=member.member_number, done=done)
    return redirect(target, code=303)


@bp.get("/members/<member_number>")
@staff_page(STAFF)
def member(member_number: str) -> Page:
    found = _member(member_number)
    support.record_view(found, actor())
    return member_page(found, done=request.args.get("done"))


@bp.post("/members/<member_number>/unlock")
@staff_page(STAFF)
def unlock(member_number: str) -> Page:
    found = _member(member_number)
    unlocked = support.unlock(found, actor(), redis=runtime().redis)
    return _done(found, "unlocked" if unlocked else "not_locked")


@bp.post("/members/<member_number>/contact")
@staff_page(STAFF)
def change_contact(member_number: str) -> Page:
    found = _member(member_number)
    email = request.form.get("email", "").strip() or None
    phone = request.form.get("phone", "").strip() or None
    if request.form.get("remove_phone") == "yes":
        phone = ""
    if email is None and phone is None:
        return member_page(found, 400, error="admin.member.contact_empty")
    try:
        change = support.change_contact(
            found,
            email=email,
            phone=phone,
            actor=actor(),
            notifier=current_notifier(),
            clock=runtime().clock,
        )
    except support.InvalidContact as invalid:
        return member_page(found, 400, error="admin.member.contact_invalid_" + invalid.field,
                           form={"email": email or "", "phone": phone or ""})  # fmt: skip
    if not change.changed:
        return _done(found, "contact_unchanged")
    return _done(found, "contact_changed")


@bp.post("/members/<member_number>/activation")
@staff_page(STAFF)
def resend_activation(member_number: str) -> Page:
    found = _member(member_number)
    if found.active:
        return member_page(found, 409, error="admin.member.already_active")
    if not found.email:
        return member_page(found, 409, error="admin.member.no_email")
    try:
        rt = runtime()
        support.resend_activation(
            found, actor(), settings=rt.settings.accounts, notifier=current_notifier(),
            clock=rt.clock,
        )  # fmt: skip
    except support.SupportActionRefused as refused:
        return member_page(found, 409, error_text=refused.detail)
    return _done(found, "activation_sent")


@bp.post("/members/<member_number>/sessions/end")
@staff_page(STAFF)
def end_sessions(member_number: str) -> Page:
    found = _member(member_number)
    support.end_sessions(found, actor(), sign_out=SignOut.of(runtime()))
    return _done(found, "sessions_ended")


@bp.post("/members/<member_number>/devices/<id:device_id>/remove")
@staff_page(STAFF)
def remove_device(member_number: str, device_id: int) -> Page:
    found = _member(member_number)
    try:
        support.remove_device(found, device_id, actor(), notifier=current_notifier(),
                              clock=runtime().clock, sign_out=SignOut.of(runtime()))  # fmt: skip
    except DeviceNotFound:
        return member_page(found, 404, error="admin.member.device_not_found")
    return _done(found, "device_removed")
