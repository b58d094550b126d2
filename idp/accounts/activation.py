"""Account activation: the four fields → an e-mailed link → choose a password.

A stranger learns nothing: when the four fields do not match a member, the answer is the same
as when an e-mail was sent. Only someone who knows all four fields is told the account is
already active or that there is no e-mail address on file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from idp import audit
from idp.accounts.links import ACTIVATION, find_link, send_link
from idp.accounts.names import same_name
from idp.accounts.passwords import NewPasswords
from idp.clock import Clock
from idp.config import AccountSettings
from idp.db import db
from idp.models import Member
from idp.notifications import Notifier


class Outcome(enum.Enum):
    SENT = "sent"  # also the answer when nothing matched
    ALREADY_ACTIVE = "already_active"
    NO_EMAIL = "no_email"


@dataclass(frozen=True)
class ActivationRequest:
    member_number: str
    last_name: str
    first_name: str
    birth_date: date


def matching_member(req: ActivationRequest) -> Member | None:
    member = db.session.scalars(
        select(Member).filter_by(member_number=req.member_number.strip())
    ).one_or_none()
    if member is None or member.birth_date != req.birth_date:
        return None
    if not same_name(req.last_name, member.last_name):
        return None
    if not same_name(req.first_name, member.first_name):
        return None
    return member


def request_activation(
    req: ActivationRequest, lang: str, link_url: str, *, settings: AccountSettings,
    notifier: Notifier, clock: Clock,
) -> Outcome:  # fmt: skip
    """Send the activation e-mail when the fields match an inactive member with an address.

    ``link_url`` is the page URL the token is appended to. The e-mail is queued with its link
    in one transaction (the outbox sends it, retrying while the mail server is down).
    """
    member = matching_member(req)
    if member is None:
        audit.record("activation.unmatched")
        return Outcome.SENT
    if member.active:
        audit.record("activation.already_active", member_id=member.id)
        return Outcome.ALREADY_ACTIVE
    if not member.email:
        audit.record("activation.no_email", member_id=member.id)
        return Outcome.NO_EMAIL
    ttl = settings.activation_link_ttl
    send_link(member, ACTIVATION, "activation", lang, link_url, ttl, notifier=notifier,
              clock=clock)  # fmt: skip
    audit.record("activation.requested", member_id=member.id)
    db.session.commit()
    return Outcome.SENT


def activation_member(token: str, clock: Clock) -> Member:
    """The member a live activation link belongs to (``LinkInvalid`` / ``LinkExpired``)."""
    return find_link(token, ACTIVATION, clock=clock)[1]


def complete_activation(token: str, password: str, passwords: NewPasswords) -> Member:
    """Set the first password and activate, all or nothing (``PasswordRejected`` keeps the
    link usable)."""
    member = passwords.set_by_link(token, ACTIVATION, password)
    member.activated_at = passwords.clock.now()
    audit.record("activation.completed", member_id=member.id)
    db.session.commit()
    return member
