"""Password reset: by member number or e-mail, the same answer whether or not an
account exists; a 24-hour single-use link; the new password follows the policy and history."""

from __future__ import annotations

from redis import Redis

from idp import audit
from idp.accounts.directory import find_member_by_identifier
from idp.accounts.links import RESET, find_link, send_link
from idp.accounts.passwords import NewPasswords
from idp.clock import Clock
from idp.config import AccountSettings
from idp.db import db
from idp.models import Member
from idp.notifications import Notifier
from idp.throttling.lockout import unlock


def request_reset(
    identifier: str, lang: str, link_url: str, *, settings: AccountSettings, notifier: Notifier,
    clock: Clock,
) -> None:  # fmt: skip
    """E-mail a reset link when the identifier names an active member with an address.

    Returns the same way either way: the e-mail is queued with its link in one transaction,
    so whether the mail server is up changes nothing here."""
    clean = identifier.strip()
    member = find_member_by_identifier(clean) if clean.isprintable() else None
    if member is None or not member.active or not member.email:
        audit.record("reset.unmatched", member_id=member.id if member else None)
        return
    ttl = settings.reset_link_ttl
    send_link(member, RESET, "password_reset", lang, link_url, ttl, notifier=notifier,
              clock=clock)  # fmt: skip
    audit.record("reset.requested", member_id=member.id)
    db.session.commit()


def reset_member(token: str, clock: Clock) -> Member:
    """The member a live reset link belongs to (``LinkInvalid`` / ``LinkExpired``)."""
    return find_link(token, RESET, clock=clock)[1]


def complete_reset(token: str, password: str, passwords: NewPasswords, *, redis: Redis) -> Member:
    """New password, lock cleared (the unknown-browser and browser locks kept in ``redis``
    too), link used: one transaction. Ending sessions and refresh tokens is the caller's next
    step (``idp/selfservice``), as it spans other layers."""
    member = passwords.set_by_link(token, RESET, password)
    unlock(member, by="password_reset", redis=redis)
    # The mailbox set this password: it cannot also be the second factor of the next sign-in.
    member.needs_strong_factor = True
    audit.record("reset.completed", member_id=member.id)
    db.session.commit()
    return member
