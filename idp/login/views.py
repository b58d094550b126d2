"""Sign-in pages: one route per step of the pending interaction (DESIGN §2, INTERACTION)."""

from __future__ import annotations

import time

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from idp.clients.registry import find_client
from idp.db import db
from idp.errors import InteractionExpired, InvalidCredentials
from idp.login.blueprint import bp
from idp.login.flow import ACCESS, CONSENT, OTP, PASSKEY_OFFER, PASSWORD, offers_passkeys
from idp.login.password import verify_password
from idp.login.sign_in import authenticated_here, establish_session, set_session_cookie
from idp.logout.sign_out import sign_out_everywhere
from idp.models import Member
from idp.oidc import interaction
from idp.oidc.interaction import Interaction
from idp.runtime import runtime
from idp.throttling.lockout import AccountLocked, AttemptInProgress, local_time
from idp.web import i18n
from idp.web.csrf import browser_id, check_csrf


@bp.get("/")
def home() -> str:
    return render_template("home.html")


@bp.get("/login/<interaction_id>")
def step(interaction_id: str) -> HttpResponse | str | tuple[str, int]:
    pending = load_interaction(interaction_id)
    if pending.next_step is None:
        return redirect(url_for("oidc.resume", interaction_id=pending.id), code=303)
    if pending.next_step in (PASSWORD, OTP):
        if pending.next_step == OTP:
            from idp.login.code_step import code_page

            return code_page(pending)
        return password_page(pending)
    # The member is signed in from here on (the offer, the access rule, consent): the SSO
    # session opens now, so a "not now", a refusal or going back leaves them signed in.
    session = establish_session(pending) if authenticated_here(pending) else None
    if session is not None:
        interaction.save(pending)
    response = make_response(_after_sign_in_step(pending))
    if session is not None:
        set_session_cookie(response, session)
    return response


def _after_sign_in_step(pending: Interaction) -> HttpResponse | str | tuple[str, int]:
    if pending.next_step == PASSKEY_OFFER:
        from idp.login.passkey_step import offer_page

        return offer_page(pending)
    if pending.next_step == ACCESS:
        from idp.login.access_step import access_page

        return access_page(pending)
    if pending.next_step == CONSENT:
        from idp.login.consent_step import consent_page

        return consent_page(pending)
    raise InteractionExpired()


@bp.post("/login/<interaction_id>/password")
def password(interaction_id: str) -> HttpResponse | tuple[str, int]:
    check_csrf()
    pending = load_interaction(interaction_id)
    if pending.next_step != PASSWORD:
        return redirect(url_for("login.step", interaction_id=pending.id), code=303)
    identifier = request.form.get("username", "")
    secret = request.form.get("password", "")
    if not identifier.strip() or not secret:
        return password_page(pending, "login.fields_required", identifier), 400
    try:
        member = verify_password(
            identifier, secret, ip=request.remote_addr or "", client_id=pending.client_id,
            lang=pending.lang,
        )  # fmt: skip
    except InvalidCredentials as error:
        last_try = error.context.get("tries_left") == 1
        message = "login.invalid_credentials_last_try" if last_try else error.message
        return password_page(pending, message, identifier), 401
    except AttemptInProgress as busy:
        return password_page(pending, busy.message, identifier), 429
    except AccountLocked as locked:
        return locked_page(locked), 403
    if pending.member_id is not None and pending.member_id != member.id:
        pending.amr = []
        pending.passkey_id = None
    pending.member_id = member.id
    pending.auth_time = int(time.time())
    pending.amr = sorted({*pending.amr, "pwd"})
    pending.complete(PASSWORD)
    interaction.save(pending)
    return redirect(url_for("login.step", interaction_id=pending.id), code=303)


def locked_page(locked: AccountLocked) -> str:
    """The locked page of every sign-in step, the same for a member and for an identifier
    that names no account. The request whose failure locked a browser that knows the member
    also signs the member out everywhere (their own device is failing); a lock met by unknown
    browsers leaves the member's sessions alone, or anyone could sign anyone out."""
    if locked.ends_sessions and locked.member_id is not None:
        member = db.session.get(Member, locked.member_id)
        if member is not None:
            sign_out_everywhere(member, reason="locked")
    until = local_time(locked.until)
    return render_template(
        "login/locked.html",
        until_date=until.strftime("%d/%m/%Y"),
        until_time=until.strftime("%H:%M"),
        hours=runtime().settings.lockout.duration // 3600,
    )


def load_interaction(interaction_id: str) -> Interaction:
    pending = interaction.load(interaction_id, browser_id())
    chosen = request.args.get("lang")
    if chosen in i18n.SUPPORTED and chosen != pending.lang:
        pending.lang = chosen
        interaction.save(pending)
    i18n.set_language(pending.lang)
    return pending


def password_page(pending: Interaction, error: str | None = None, identifier: str = "") -> str:
    """The sign-in page; for ``webauthn: offer`` clients it also offers Face ID / fingerprint."""
    client = find_client(pending.client_id)
    if client is None:
        raise InteractionExpired()
    return render_template(
        "login/password.html",
        interaction=pending,
        client_name=client.name,
        identifier=identifier or pending.params.get("login_hint", ""),
        error=error,
        passkeys=offers_passkeys(client),
    )
