"""Face ID / fingerprint (passkeys) in the sign-in.

- **Sign-in**: on the sign-in page of a ``webauthn: offer`` client, ``static/passkey.js`` asks
  for options (``…/passkey/options``), lets the browser find a passkey of our RP ID (button or
  autofill), and posts the answer as an ordinary form (``…/passkey``). A verified answer is the
  whole sign-in: no password, no code; ``amr`` ``hwk user mfa``. Failed answers naming one of
  our credentials count toward the member's lock, like wrong passwords.
- **Offer**: after a full sign-in (password *and* code) in such a client, an interstitial
  offers to turn it on (``…/passkey/register``), unless the member has a passkey made on this
  device or said "not now" less than ``IDP_WEBAUTHN_OFFER_SNOOZE_DAYS`` ago. Turning it on,
  declining and failing all continue to the relying party without a second sign-in.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Response, jsonify, render_template, request
from werkzeug.wrappers import Response as HttpResponse

from idp import audit
from idp.accounts.devices import notify_device_added
from idp.authenticators import passkeys
from idp.authenticators.webauthn_ceremony import WebAuthnCeremony
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.config import ServerSettings
from idp.db import db
from idp.errors import InteractionExpired
from idp.interaction import policy
from idp.interaction.locked import locked_page
from idp.interaction.policy import Planner
from idp.interaction.remembered import RememberedBrowsers
from idp.interaction.state import Interaction, Interactions
from idp.interaction.steps import SIGNED_IN, Facts, Page, Step, Verdict, registry, run, skip
from idp.login import password_step
from idp.login.blueprint import bp
from idp.login.parties import parties
from idp.login.passkey_policy import offers_passkeys
from idp.login.views import load_interaction
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import Runtime, runtime
from idp.throttling.known_browsers import known_browser
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import AccountLocked, Lockout
from idp.web.csrf import check_csrf

PASSKEY_AMR = ["hwk", "mfa", "user"]
OPTIONS_PER_IP = Limit("passkey-options", 300, 300)  # shared mobile-carrier IPs
SKIP_REASONS = ("declined", "unsupported", "already_registered")
OFFER = "passkey_offer"


def _pending(interaction_id: str, step: str) -> Interaction:
    pending = load_interaction(interaction_id)
    rt = runtime()
    planner = Planner.of(rt)
    client = planner.clients.find(pending.client_id)
    if client is None or not _offers_passkeys(client, rt):
        raise InteractionExpired()
    planner.expect(pending, step)
    return pending


def _json_options(body: str) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- sign-in -------------------------------------------------------------------------------


@bp.post("/login/<interaction_id>/passkey/options")
def passkey_options(interaction_id: str) -> Response:
    check_csrf()
    pending = _pending(interaction_id, password_step.NAME)
    rt = runtime()
    hit(OPTIONS_PER_IP, request.remote_addr or "", redis=rt.redis)
    webauthn = WebAuthnCeremony.of(rt)
    return _json_options(passkeys.authentication_options(pending.id, webauthn=webauthn))


@bp.post("/login/<interaction_id>/passkey")
def passkey_sign_in(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id, password_step.NAME)
    rt = runtime()
    lockout = Lockout.of(rt, current_notifier)
    try:
        result = passkeys.authenticate(
            pending.id, request.form.get("credential", ""), webauthn=WebAuthnCeremony.of(rt)
        )
    except passkeys.PasskeyRejected as rejected:
        return _sign_in_failed(pending, rejected, lockout, rt.settings.server)
    member = result.member
    try:
        if not member.active:
            raise passkeys.PasskeyRejected("inactive_account", None)
        lockout.check_not_locked(member, known_browser(member.id, server=rt.settings.server))
    except passkeys.PasskeyRejected as rejected:
        db.session.rollback()
        return _sign_in_failed(pending, rejected, lockout, rt.settings.server)
    except AccountLocked as locked:
        db.session.rollback()
        return _locked(locked, lockout)
    audit.record("passkey.used", member_id=member.id, client_id=pending.client_id,
                 device=result.credential.name)  # fmt: skip
    member.needs_strong_factor = False  # a factor that is not the mailbox was proven
    db.session.commit()
    pending.member_id = member.id
    pending.passkey_id = result.credential.id
    pending.amr = list(PASSKEY_AMR)
    pending.auth_time = int(time.time())
    # A passkey proves possession and the member's face or finger: it stands for every
    # step proving who the member is, and there is nothing left to offer.
    for step in registry():
        if step.phase != SIGNED_IN or step.name == OFFER:
            pending.complete(step.name)
    Interactions.of(rt).save(pending)
    response = policy.to_next_step(pending)
    RememberedBrowsers.of(rt).mark_passkey_here(request, response, member, True)
    return response


def _sign_in_failed(
    pending: Interaction,
    rejected: passkeys.PasskeyRejected,
    lockout: Lockout,
    server: ServerSettings,
) -> Page:
    member = rejected.member
    db.session.rollback()
    audit.record("passkey.failed", member_id=member.id if member else None,
                 client_id=pending.client_id, reason=rejected.reason)  # fmt: skip
    message = "passkey.expired" if rejected.reason == "challenge_unknown" else "passkey.failed"
    if member is not None and member.active:
        try:
            browser = known_browser(member.id, server=server)
            lockout.record_failure(member, "passkey", pending.lang, browser=browser)
        except AccountLocked as locked:
            return _locked(locked, lockout)
    return password_step.password_page(pending, message), 401


def _offers_passkeys(client: RegisteredClient, rt: Runtime) -> bool:
    """Whether this client's sign-in offers passkeys, by the app's WebAuthn settings."""
    settings = rt.settings
    return offers_passkeys(client, webauthn=settings.webauthn, issuer=settings.server.issuer)


def _parties(pending: Interaction) -> tuple[Member, RegisteredClient]:
    """The parties of ``pending``, its client found in the app's registry."""
    return parties(pending, clients=ClientRegistry.of(runtime()))


def _locked(locked: AccountLocked, lockout: Lockout) -> Page:
    return locked_page(locked, lockout, sign_out=SignOut.of(runtime())), 403


# --- the offer after a full sign-in --------------------------------------------------------


def offer_check(facts: Facts) -> Verdict:
    """After a full sign-in (password and code) in a ``webauthn: offer`` client."""
    if not facts.fresh or not _offers_passkeys(facts.client, runtime()):
        return skip("not_offered")
    if facts.member is None:
        return run("client_offers_passkeys")
    why_not = _why_not_offer(facts.amr, facts.member)
    return skip(why_not) if why_not is not None else run("client_offers_passkeys")


def offer_page(pending: Interaction, error: str | None = None, status: int = 200) -> Page:
    client = _parties(pending)[1]
    page = render_template(
        "login/passkey_offer.html",
        interaction=pending,
        client_name=client.name,
        snooze_days=runtime().settings.webauthn.offer_snooze_days,
        error=error,
    )
    return page, status


OFFER_STEP = Step(OFFER, SIGNED_IN, offer_check, offer_page)


def _why_not_offer(amr: frozenset[str] | list[str], member: Member) -> str | None:
    if "otp" not in amr or "pwd" not in amr:
        return "not_full_sign_in"  # a remembered device skipped the code, or a passkey sign-in
    if RememberedBrowsers.of(runtime()).has_passkey_here(request, member):
        return "passkey_here"
    declined = member.passkey_offer_declined_at
    snooze = timedelta(days=runtime().settings.webauthn.offer_snooze_days)
    if declined is not None and runtime().clock.now() - declined < snooze:
        return "declined"
    return None


@bp.post("/login/<interaction_id>/passkey/register/options")
def register_options(interaction_id: str) -> HttpResponse | tuple[Response, int]:
    check_csrf()
    pending = _pending(interaction_id, OFFER)
    member = _parties(pending)[0]
    if _why_not_offer(pending.amr, member) is not None:
        return jsonify(error="not_offered"), 409
    rt = runtime()
    hit(OPTIONS_PER_IP, request.remote_addr or "", redis=rt.redis)
    webauthn = WebAuthnCeremony.of(rt)
    return _json_options(passkeys.registration_options(member, pending.id, webauthn=webauthn))


@bp.post("/login/<interaction_id>/passkey/register")
def register(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id, OFFER)
    member = _parties(pending)[0]
    if _why_not_offer(pending.amr, member) is not None:
        return policy.to_next_step(pending)
    name = passkeys.device_name(request.headers.get("User-Agent", ""))
    answer = request.form.get("credential", "")
    try:
        credential = passkeys.register(
            member, pending.id, answer, name, webauthn=WebAuthnCeremony.of(runtime())
        )
    except passkeys.PasskeyRejected as rejected:
        db.session.rollback()
        audit.record("passkey.registration_failed", member_id=member.id,
                     client_id=pending.client_id, reason=rejected.reason)  # fmt: skip
        error = "passkey.expired" if rejected.reason == "challenge_unknown" else None
        return offer_page(pending, error or "passkey.register_failed", 400)
    member.passkey_offer_declined_at = None
    audit.record("passkey.registered", member_id=member.id, client_id=pending.client_id,
                 device=credential.name)  # fmt: skip
    db.session.commit()
    notify_device_added(member, credential, pending.lang, notifier=current_notifier(),
                        clock=runtime().clock)  # fmt: skip
    return _continue(pending, member, here=True)


@bp.post("/login/<interaction_id>/passkey/skip", endpoint="skip")
def skip_offer(interaction_id: str) -> Page:
    """« Plus tard » (remembered for the snooze period), or the script found that this device
    cannot (``unsupported``) or already has a passkey (``already_registered``)."""
    check_csrf()
    pending = _pending(interaction_id, OFFER)
    member = _parties(pending)[0]
    reason = request.form.get("reason", "declined")
    if reason not in SKIP_REASONS:
        reason = "declined"
    if reason == "declined":
        member.passkey_offer_declined_at = runtime().clock.now()
    audit.record("passkey.offer_skipped", member_id=member.id, client_id=pending.client_id,
                 reason=reason)  # fmt: skip
    db.session.commit()
    return _continue(pending, member, here=reason == "already_registered")


def _continue(pending: Interaction, member: Member, here: bool) -> HttpResponse:
    rt = runtime()
    response = Planner.of(rt).complete(pending, OFFER)
    if here:
        RememberedBrowsers.of(rt).mark_passkey_here(request, response, member, True)
    return response
