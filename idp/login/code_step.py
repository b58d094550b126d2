"""The one-time code step (DESIGN §5): choose SMS or e-mail among the contact details on file,
receive a code, type it. Wrong codes count toward the account lock with wrong passwords.

Fail closed: whatever goes wrong (gateway down, Redis unreachable), the step is never marked
done without a verified code, except for ``new_device`` clients on a remembered device.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.authenticators import otp
from idp.errors import InteractionExpired
from idp.login import device
from idp.login.blueprint import bp
from idp.login.flow import OTP, code_required, wants_mfa
from idp.login.parties import parties
from idp.models import Member
from idp.notifications import DeliveryFailed, current_notifier
from idp.notifications.masking import mask_email, mask_phone
from idp.oidc import interaction
from idp.oidc.interaction import Interaction
from idp.runtime import runtime
from idp.throttling.known_browsers import known_browser
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import AccountLocked, AttemptInProgress, begin_attempt
from idp.web.csrf import check_csrf

CODE_PER_DESTINATION = Limit("code-destination", 5, 900)
CODE_PER_ACCOUNT = Limit("code-account", 10, 3600)
FRENCH_MOBILE = ("+336", "+337")

Page = Response | str | tuple[str, int]


def contacts(member: Member) -> dict[str, str]:
    """Where a code can go: a mobile number (SMS) and an e-mail address, when on file. After
    a reset by e-mail the mailbox set the password, so it is not offered as the second
    factor while a mobile number is on file (docs/security.md)."""
    found: dict[str, str] = {}
    phone = member.phone or ""
    if phone.startswith(FRENCH_MOBILE) or (phone.startswith("+") and not phone.startswith("+33")):
        found["sms"] = phone
    if member.email and not (member.needs_strong_factor and found):
        found["email"] = member.email
    return found


def is_second_factor(member: Member, channel: str) -> bool:
    """A code is a second factor unless it went to the mailbox that set the password."""
    return channel != "email" or not member.needs_strong_factor


def masked(channel: str, destination: str) -> str:
    return mask_phone(destination) if channel == "sms" else mask_email(destination)


def code_page(
    pending: Interaction, error: str | None = None, status: int = 200, choose: bool = False,
    **values: object,
) -> Page:  # fmt: skip
    """The page of the code step: choose a channel, or type the code just sent."""
    member, client = parties(pending)
    if not code_required(pending.params, client, device.is_remembered(request, member)):
        pending.complete(OTP)
        interaction.save(pending)
        audit.record("otp.skipped", member_id=member.id, client_id=client.client_id,
                     reason="remembered_device")  # fmt: skip
        return redirect(url_for("login.step", interaction_id=pending.id), code=303)
    available = contacts(member)
    if not available:
        audit.record("otp.no_contact", member_id=member.id, client_id=client.client_id)
        return render_template("login/code_no_contact.html", interaction=pending), 200
    sent = otp.current(pending.id)
    choose = choose or request.args.get("choose") == "1"
    if sent is None or choose or sent.channel not in available:
        options = [(c, masked(c, d)) for c, d in available.items()]
        page = render_template("login/code_choose.html", interaction=pending, options=options,
                               error=error, values=values,
                               after_reset=member.needs_strong_factor)  # fmt: skip
        return page, status
    cooldown = runtime().settings.second_factor.resend_cooldown
    wait = max(sent.sent_at + cooldown - int(time.time()), 0)
    page = render_template(
        "login/code_enter.html",
        interaction=pending,
        channel=sent.channel,
        destination=masked(sent.channel, available[sent.channel]),
        resend_wait=wait,
        error=error,
        values=values,
    )
    return page, status


@bp.post("/login/<interaction_id>/code/send")
def send_code(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id)
    member, client = parties(pending)
    previous = otp.current(pending.id)
    channel = request.form.get("channel") or (previous.channel if previous else "")
    destination = contacts(member).get(channel)
    if destination is None:
        return code_page(pending, "otp.choose_channel", 400)
    try:
        otp.check_resend(pending.id)
    except otp.ResendTooSoon as wait:
        return code_page(pending, "otp.resend_too_soon", 429, seconds=wait.retry_after)
    hit(CODE_PER_DESTINATION, destination)
    hit(CODE_PER_ACCOUNT, str(member.id))
    code = otp.new_code()
    try:
        _deliver(member, channel, destination, code, pending.lang)
    except DeliveryFailed:
        # Nothing consumed or stored: try again, or choose the other channel.
        return code_page(pending, f"otp.{channel}_failed", 503, choose=True)
    otp.store(pending.id, code, channel)
    audit.record("otp.sent", member_id=member.id, client_id=client.client_id, channel=channel,
                 to=masked(channel, destination))  # fmt: skip
    return redirect(url_for("login.step", interaction_id=pending.id), code=303)


@bp.post("/login/<interaction_id>/code")
def check_code(interaction_id: str) -> Page:
    check_csrf()
    pending = _pending(interaction_id)
    member, client = parties(pending)
    sent = otp.current(pending.id)
    try:
        attempt = begin_attempt(member, "otp", pending.lang, browser=known_browser(member.id))
    except AccountLocked as locked:
        return _locked(pending, locked)
    except AttemptInProgress as busy:
        return code_page(pending, busy.message, 429)
    try:
        otp.verify(pending.id, request.form.get("code", "")[:32])
    except otp.CodeRejected as wrong:
        audit.record("otp.failed", member_id=member.id, client_id=client.client_id,
                     reason="wrong_code")  # fmt: skip
        try:
            account_left = attempt.failed(pending.lang)
        except AccountLocked as locked:
            return _locked(pending, locked)
        # One counter story: never promise more tries than the account has left.
        if account_left == 1:
            return code_page(pending, "otp.wrong_last_try", 401, choose=not wrong.attempts_left)
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
        return render_template("login/strong_factor_needed.html", interaction=pending), 403
    if channel == "sms" and member.needs_strong_factor:
        member.needs_strong_factor = False  # committed with the audit event below
    pending.amr = sorted(factors)
    pending.auth_time = int(time.time())
    pending.complete(OTP)
    interaction.save(pending)
    audit.record("otp.verified", member_id=member.id, client_id=client.client_id)
    response = redirect(url_for("login.step", interaction_id=pending.id), code=303)
    device.remember(request, response, member)
    return response


def _deliver(member: Member, channel: str, destination: str, code: str, lang: str) -> None:
    settings = runtime().settings
    minutes = settings.second_factor.code_ttl // 60
    notifier = current_notifier()
    if channel == "sms":
        host = urlsplit(settings.server.issuer).hostname or ""
        notifier.send_sms(destination, "otp", lang, member_id=member.id, code=code,
                          issuer_host=host, valid_minutes=minutes)  # fmt: skip
    else:
        notifier.send_email(destination, "otp", lang, member_id=member.id, code=code,
                            first_name=member.first_name, valid_minutes=minutes)  # fmt: skip


def _locked(pending: Interaction, locked: AccountLocked) -> Page:
    from idp.login.views import locked_page

    return locked_page(locked), 403


def _pending(interaction_id: str) -> Interaction:
    from idp.login.views import load_interaction

    pending = load_interaction(interaction_id)
    if pending.next_step != OTP:
        raise InteractionExpired()
    return pending
