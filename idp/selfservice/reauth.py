"""Confirming the member's identity before an account change that affects how they sign in
(ASVS 5.0 7.5.1, 7.5.2; docs/sessions.md, "Re-authentication").

Removing a passkey and ending one or all sessions need the password proved in this session
within ``IDP_REAUTH_MAX_AGE``: counted from the sign-in (``auth_time``) or the last
confirmation. When that is older, the action's request answers the "Confirmez votre identité"
page instead of acting; its form posts the password and the action's path to
``/account/confirm``, which checks the password through the member's lockout budget (as the
password change does: a wrong one counts, warns before the last try and locks) and then
carries the action out. Nothing is lost: the member does not have to find the button again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from flask import current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from idp import audit
from idp.config import ServerSettings
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.selfservice.account import locked_response, signed_in_member, verify_current_password
from idp.selfservice.blueprint import bp
from idp.sso import SsoSession, SsoSessions
from idp.throttling.lockout import AccountLocked, Lockout
from idp.web.csrf import check_csrf

STEP = "account_reauth"  # the lockout's name for this check
# The account page's actions that need a recent password (their POST endpoints).
SENSITIVE = frozenset({
    "selfservice.remove_device_submit",
    "selfservice.sign_out_device",
    "selfservice.sign_out_everywhere_submit",
})  # fmt: skip
CONFIRMED = "reauth_confirmed"  # flask.g: set by the confirmation that runs the action
PASSWORD_LENGTH = 256  # longer input is cut before hashing, as at sign-in


def now() -> int:
    return int(runtime().clock.now().replace(tzinfo=UTC).timestamp())


def recent(session: SsoSession) -> bool:
    """Whether this session proved the password (or a passkey) within the allowed age."""
    last = max(session.auth_time, session.confirmed_at)
    return now() - last < runtime().settings.session.reauth_max_age


def confirmation_needed() -> tuple[str, int] | None:
    """None when this browser's session proved the member recently; otherwise the page that
    asks for the password, to answer instead of the action of this request."""
    if g.get(CONFIRMED):  # the password was typed in this very request
        return None
    session = SsoSessions.of(runtime()).current()
    if session is not None and recent(session):
        return None
    return confirmation_page(request.path)


def confirmation_page(action: str, status: int = 200, error: str | None = None):
    return render_template("selfservice/confirm_identity.html", action=action, error=error), status


def sensitive_action(path: str) -> tuple[str, Mapping[str, Any]] | None:
    """The endpoint and arguments of ``path`` when it is one of the :data:`SENSITIVE` actions."""
    if not path.startswith("/account/"):
        return None
    adapter = current_app.create_url_adapter(request)
    assert adapter is not None
    try:
        endpoint, args = adapter.match(path, method="POST")
    except HTTPException:  # no such page, not a POST, or a redirect to another spelling
        return None
    return (str(endpoint), args) if endpoint in SENSITIVE else None


@bp.post("/account/confirm")
def confirm_identity():
    check_csrf()
    member = signed_in_member()
    sessions = SsoSessions.of(runtime())
    session = sessions.current()
    if member is None or session is None:
        return render_template("selfservice/signed_out.html"), 401
    action = request.form.get("action", "")
    target = sensitive_action(action)
    if target is None:
        return render_template("errors/error.html", message="reauth.unknown_action"), 400
    rt = runtime()
    lockout = Lockout.of(rt, current_notifier)
    refused = check_password(member, action, lockout=lockout, server=rt.settings.server)
    if refused is not None:
        return refused
    sessions.confirm(session, now())
    g.setdefault(CONFIRMED, True)
    endpoint, args = target
    audit.record("reauth.confirmed", member_id=member.id, action=endpoint)
    return current_app.view_functions[endpoint](**args)


def check_password(member: Member, action: str, *, lockout: Lockout, server: ServerSettings):
    """None when the posted password is the member's; otherwise the answer to give (the form
    again with the sign-in's warnings, or the locked page). The try is counted by ``lockout``
    in this browser's budget (``server`` reads the known-browser cookie)."""
    password = request.form.get("password", "")[:PASSWORD_LENGTH]
    refused = verify_current_password(
        member, password, STEP, "reauth.failed", lockout=lockout, server=server
    )
    if isinstance(refused, AccountLocked):
        return locked_response(refused, lockout)
    if refused is None:
        return None
    message = refused.message or ("reauth.wrong_last_try" if refused.last_try else "reauth.wrong")
    return confirmation_page(action, refused.status, message)
