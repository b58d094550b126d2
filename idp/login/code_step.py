"""The one-time code step (``authenticate``): choose SMS or e-mail among the contact details
on file, receive a code, type it. Wrong codes count toward the account lock with wrong passwords.

Fail closed: whatever goes wrong (gateway down, Redis unreachable), the step is never marked
done without a verified code, except for ``new_device`` clients on a remembered device.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import render_template, request

from idp import audit
from idp.accounts.contacts import contacts, is_second_factor, masked
from idp.authenticators import otp
from idp.authenticators.otp import OneTimeCodes
from idp.authenticators.passkeys import credentials_of
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.interaction import policy
from idp.interaction.assurance import asks_for_mfa
from idp.interaction.locked import locked_page
from idp.interaction.policy import Planner
from idp.interaction.remembered import RememberedBrowsers
from idp.interaction.state import Interaction
from idp.interaction.steps import AUTHENTICATE, Facts, Page, Step, Verdict, run, skip
from idp.login.blueprint import bp
from idp.login.parties import parties
from idp.login.views import load_interaction
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import DeliveryFailed, Notifier, current_notifier
from idp.runtime import runtime
from idp.throttling.known_browsers import known_browser
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import AccountLocked, AttemptInProgress, Lockout, lock_duration
from idp.web.csrf import check_csrf

CODE_PER_DESTINATION = Limit("code-destination", 5, 900)
CODE_PER_ACCOUNT = Limit("code-account", 10, 3600)

NAME = "otp"


def wants_mfa(params: Mapping[str, str], client: RegisteredClient) -> bool:
    """The client's policy is ``always``, or the request asks for a multi-factor ``acr``."""
    if client.spec.second_factor == "always":
        return True
    return asks_for_mfa(params.get("acr_values", ""))


def check(facts: Facts) -> Verdict:
    """The code after the password, and alone as a step-up when a session without a second
    factor meets a client or request that wants one. ``new_device`` clients skip it on a
    browser that passed it recently for this member (``interaction/remembered.py``)."""
    if "mfa" in facts.amr:
        return skip("second_factor_done")
    if facts.client.spec.second_factor == "always":
        return run("client_requires_code")
    if asks_for_mfa(facts.params.get("acr_values", "")):
        return run("acr_values_mfa")
    if not facts.fresh:
        return skip("session_enough")
    browsers = RememberedBrowsers.of(runtime())
    if facts.member is not None and browsers.is_remembered(request, facts.member):
        return skip("remembered_device")
    return run("new_device")


def code_page(
    pending: Interaction, error: str | None = None, status: int = 200, choose: bool = False,
    too_soon: str | None = None, **values: object,
) -> Page:  # fmt: skip
    """The page of the code step: choose a channel, or type the code just sent.

    ``too_soon`` names the channel a new code was asked on during its cooldown: not a mistake
    of the member's, so the page says when it can be asked (a status, not an error) and the
    code already sent keeps working."""
    rt = runtime()
    member, client = parties(pending, clients=ClientRegistry.of(rt))
    available = contacts(member)
    if not available:
        audit.record("otp.no_contact", member_id=member.id, client_id=client.client_id)
        return render_template("login/code_no_contact.html", interaction=pending), 200
    codes = OneTimeCodes.of(rt)
    sent = codes.current(pending.id)
    choose = choose or request.args.get("choose") == "1"
    if too_soon is not None and sent is not None and too_soon != sent.channel:
        choose = True  # asked again by the channel of an earlier code: the choice stays
    if sent is None or choose or sent.channel not in available:
        waits = {c: codes.resend_wait(pending.id, c) for c in available}
        # The channel a code can leave by now comes first (the other one, just after a code).
        ready = [c for c in available if not waits[c]]
        options = [(c, masked(c, d)) for c, d in available.items()]
        page = render_template("login/code_choose.html", interaction=pending, options=options,
                               checked=(ready or list(available))[0],
                               back_to_code=sent is not None and sent.channel in available,
                               waiting=waits.get(too_soon or "", 0),
                               error=error, values=values,
                               after_reset=member.needs_strong_factor)  # fmt: skip
        return page, status
    second_factor = rt.settings.second_factor
    page = render_template(
        "login/code_enter.html",
        interaction=pending,
        channel=sent.channel,
        destination=masked(sent.channel, available[sent.channel]),
        resend_wait=codes.resend_wait(pending.id, sent.channel),
        too_soon=too_soon is not None,
        valid_minutes=second_factor.code_ttl // 60,
        error=error,
        values=values,
    )
    return page, status


@bp.post("/login/<interaction_id>/code/send")
def send_code(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id)
    rt = runtime()
    member, client = parties(pending, clients=ClientRegistry.of(rt))
    codes = OneTimeCodes.of(rt)
    previous = codes.current(pending.id)
    channel = request.form.get("channel") or (previous.channel if previous else "")
    destination = contacts(member).get(channel)
    if destination is None:
        return code_page(pending, "otp.choose_channel", 400)
    try:
        codes.check_resend(pending.id, channel)  # the other channel is never held back
    except otp.ResendTooSoon:
        return code_page(pending, status=429, too_soon=channel)
    redis = runtime().redis
    hit(CODE_PER_DESTINATION, destination, redis=redis)
    hit(CODE_PER_ACCOUNT, str(member.id), redis=redis)
    code = otp.new_code()
    try:
        _deliver(current_notifier(), member, channel, destination, code, pending.lang,
                 valid_minutes=rt.settings.second_factor.code_ttl // 60,
                 issuer=rt.settings.server.issuer)  # fmt: skip
    except DeliveryFailed:
        # Nothing consumed or stored: try again, or choose the other channel.
        return code_page(pending, f"otp.{channel}_failed", 503, choose=True)
    codes.store(pending.id, code, channel)  # the code sent before, by any channel, is void
    audit.record("otp.sent", member_id=member.id, client_id=client.client_id, channel=channel,
                 to=masked(channel, destination))  # fmt: skip
    return policy.to_next_step(pending)


@bp.post("/login/<interaction_id>/code/not-me")
def not_me(interaction_id: str) -> Page:
    """The "Ce n'est pas vous ?" button: this sign-in forgets the member it was about (who
    they are, what they proved, their code) and starts again at its first page, for someone
    else."""
    check_csrf()
    pending = load_interaction(interaction_id)
    rt = runtime()
    planner = Planner.of(rt)
    if not planner.is_current(pending, NAME):
        return policy.to_next_step(pending)
    audit.record("otp.not_me", member_id=pending.member_id or pending.session_member_id,
                 client_id=pending.client_id)  # fmt: skip
    OneTimeCodes.of(rt).forget(pending.id)
    start_over(pending)
    planner.interactions.save(pending)
    return policy.to_next_step(pending)


def start_over(pending: Interaction) -> None:
    """Drop from ``pending`` everything about its member: the steps passed and their
    reasons, the member, their ``amr``, passkey and time, the browser's SSO session (a
    step-up on someone else's session asks for a sign-in instead) and the request's
    ``login_hint``, which named them."""
    pending.done = []
    pending.reasons = {}
    pending.skipped = {}
    pending.member_id = None
    pending.amr = []
    pending.auth_time = None
    pending.passkey_id = None
    pending.session_member_id = None
    pending.session_auth_time = None
    pending.params = {k: v for k, v in pending.params.items() if k != "login_hint"}


@bp.post("/login/<interaction_id>/code")
def check_code(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id)
    rt = runtime()
    member, client = parties(pending, clients=ClientRegistry.of(rt))
    codes = OneTimeCodes.of(rt)
    sent = codes.current(pending.id)
    lockout = Lockout.of(rt, current_notifier)
    browser = known_browser(member.id, server=rt.settings.server)
    try:
        attempt = lockout.begin_attempt(member, "otp", pending.lang, browser=browser)
    except AccountLocked as locked:
        return _locked(locked, lockout)
    except AttemptInProgress as busy:
        return code_page(pending, busy.message, 429)
    try:
        codes.verify(pending.id, request.form.get("code", "")[:32])
    except otp.CodeRejected as wrong:
        audit.record("otp.failed", member_id=member.id, client_id=client.client_id,
                     reason="wrong_code")  # fmt: skip
        try:
            account_left = attempt.failed(pending.lang)
        except AccountLocked as locked:
            return _locked(locked, lockout)
        # One counter story: never promise more tries than the account has left.
        if account_left == 1:
            return code_page(pending, "otp.wrong_last_try", 401, choose=not wrong.attempts_left,
                             duration=lock_duration(lockout.settings))  # fmt: skip
        if not wrong.attempts_left:  # that was the last try: this code is gone
            return code_page(pending, "otp.unusable", 401, choose=True)
        return code_page(pending, "otp.wrong", 401, count=min(wrong.attempts_left, account_left))
    except otp.CodeUnusable:
        attempt.release()  # no code was checked
        audit.record("otp.failed", member_id=member.id, client_id=client.client_id,
                     reason="no_live_code")  # fmt: skip
        return code_page(pending, "otp.unusable", 400, choose=True)
    except BaseException:
        attempt.release()
        raise
    attempt.succeeded()
    channel = sent.channel if sent is not None else "email"
    factors = {*pending.amr, "otp", channel}  # RFC 8176 "sms"; "email" for the mailbox
    if "pwd" in factors and is_second_factor(member, channel):
        factors.add("mfa")
    elif wants_mfa(pending.params, client):
        # The mailbox alone (it set the password, it received the code) is not two factors,
        # and this client accepts nothing less: the member needs the advisers.
        audit.record("otp.not_second_factor", member_id=member.id, client_id=client.client_id,
                     channel=channel)  # fmt: skip
        # A passkey is that other factor: one sign-in with it makes the mailbox a second
        # factor again (login/passkey_step.py), so a member who has one is told so.
        page = render_template("login/strong_factor_needed.html", interaction=pending,
                               has_passkey=bool(credentials_of(member)))  # fmt: skip
        return page, 403
    if channel == "sms" and member.needs_strong_factor:
        member.needs_strong_factor = False  # committed with the audit event below
    pending.amr = sorted(factors)
    pending.auth_time = int(time.time())
    audit.record("otp.verified", member_id=member.id, client_id=client.client_id)
    response = Planner.of(rt).complete(pending, NAME)
    RememberedBrowsers.of(rt).remember(request, response, member)
    return response


def _deliver(
    notifier: Notifier, member: Member, channel: str, destination: str, code: str, lang: str,
    *, valid_minutes: int, issuer: str,
) -> None:  # fmt: skip
    if channel == "sms":
        host = urlsplit(issuer).hostname or ""
        notifier.send_sms(destination, "otp", lang, member_id=member.id, code=code,
                          issuer_host=host, valid_minutes=valid_minutes)  # fmt: skip
    else:
        notifier.send_email(destination, "otp", lang, member_id=member.id, code=code,
                            first_name=member.first_name, valid_minutes=valid_minutes)  # fmt: skip


def _locked(locked: AccountLocked, lockout: Lockout) -> Page:
    return locked_page(locked, lockout, sign_out=SignOut.of(runtime())), 403


def _pending(interaction_id: str) -> Interaction:
    pending = load_interaction(interaction_id)
    Planner.of(runtime()).expect(pending, NAME)
    return pending


STEP = Step(NAME, AUTHENTICATE, check, code_page)
