"""The password step: who the member is (``identify``). It runs when the browser has no SSO
session of an active member, or when the request does not let that session count:
``prompt=login``, an exceeded ``max_age``, an ``id_token_hint`` naming someone else (OIDC
Core §3.1.2.1). A passkey sign-in (``passkey_step.py``) completes it too."""

from __future__ import annotations

import time

from flask import render_template, request, url_for

from idp.clients.registry import ClientRegistry
from idp.errors import InteractionExpired, InvalidCredentials
from idp.interaction import policy
from idp.interaction.locked import locked_page
from idp.interaction.policy import Planner
from idp.interaction.state import Interaction
from idp.interaction.steps import IDENTIFY, Facts, Page, Step, Verdict, run, skip
from idp.login.blueprint import bp
from idp.login.passkey_policy import offers_passkeys
from idp.login.password import verify_password
from idp.login.views import load_interaction
from idp.logout.sign_out import SignOut
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.lockout import AccountLocked, AttemptInProgress, Lockout, lock_duration
from idp.web import i18n
from idp.web.csrf import check_csrf

NAME = "password"


def check(facts: Facts) -> Verdict:
    member = facts.session_member
    if member is None or not member.active:
        return run("no_session")
    if "login" in facts.prompts:
        return run("prompt_login")
    max_age = facts.params.get("max_age")
    auth_time = facts.session_auth_time or 0
    if max_age is not None and time.time() - auth_time >= int(max_age):
        return run("max_age_exceeded")
    if facts.has_hint and facts.hint_subject != member.subject:
        return run("id_token_hint_other_member")
    return skip("session")


def password_page(pending: Interaction, error: str | None = None, identifier: str = "") -> str:
    """The sign-in page; for ``webauthn: offer`` clients it also offers Face ID / fingerprint."""
    rt = runtime()
    client = ClientRegistry.of(rt).find(pending.client_id)
    if client is None:
        raise InteractionExpired()
    settings = rt.settings
    if error is None:  # the language was just switched: the same page, its error kept
        state = i18n.kept()
        error = i18n.kept_message(state.get("error"))
        identifier = identifier or (str(state.get("identifier", "")) if error else "")
    if error is not None:
        i18n.keep_on_switch(url_for("login.step", interaction_id=pending.id), error=error,
                            identifier=identifier)  # fmt: skip
    return render_template(
        "login/password.html",
        interaction=pending,
        client_name=client.name,
        identifier=identifier or pending.params.get("login_hint", ""),
        error=error,
        passkeys=offers_passkeys(client, webauthn=settings.webauthn, issuer=settings.server.issuer),
        lock_duration=lock_duration(settings.lockout),
    )


STEP = Step(NAME, IDENTIFY, check, password_page, prompt_none_error="login_required")


@bp.post("/login/<interaction_id>/password")
def password(interaction_id: str) -> Page:
    check_csrf()
    pending = load_interaction(interaction_id)
    rt = runtime()
    planner = Planner.of(rt)
    if not planner.is_current(pending, NAME):
        return policy.to_next_step(pending)
    identifier = request.form.get("username", "")
    secret = request.form.get("password", "")
    if not identifier.strip() or not secret:
        return password_page(pending, "login.fields_required", identifier), 400
    lockout = Lockout.of(rt, current_notifier)
    try:
        member = verify_password(
            identifier, secret, ip=request.remote_addr or "", client_id=pending.client_id,
            lang=pending.lang, lockout=lockout, throttle=rt.settings.throttle,
            server=rt.settings.server, passwords=rt.passwords,
        )  # fmt: skip
    except InvalidCredentials as error:
        last_try = error.context.get("tries_left") == 1
        message = "login.invalid_credentials_last_try" if last_try else error.message
        return password_page(pending, message, identifier), 401
    except AttemptInProgress as busy:
        return password_page(pending, busy.message, identifier), 429
    except AccountLocked as locked:
        return locked_page(locked, lockout, sign_out=SignOut.of(runtime())), 403
    if pending.member_id is not None and pending.member_id != member.id:
        pending.amr = []
        pending.passkey_id = None
    i18n.forget_kept()  # the identifier typed is not kept past the sign-in
    pending.member_id = member.id
    pending.auth_time = int(time.time())
    pending.amr = sorted({*pending.amr, "pwd"})
    return planner.complete(pending, NAME)
