"""Member support (issue 7 §5): what an adviser on the phone sees of a member and the actions
that fix a member's situation. No Flask: the admin API and the console both call these.

Every action takes ``actor`` (``client:<id>``, ``staff:<email>``) and writes one audit event
naming it (``account.*``) beside the events of the domain code it reuses; contact details
reach the audit log masked, never whole. An action either completes or changes nothing; only
the e-mail notices that follow a completed change may fail, and that is audited
(``email.failed``) without undoing the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from sqlalchemy import select

from idp import audit
from idp.accounts import devices
from idp.accounts.contacts import contacts, masked
from idp.accounts.directory import RULES
from idp.accounts.links import ACTIVATION, revoke_links, send_link
from idp.admin.member_search import find_members
from idp.authenticators.passkeys import credentials_of
from idp.clock import Clock
from idp.config import AccountSettings
from idp.db import db
from idp.errors import IdPError
from idp.logout.sign_out import SignedOut, SignOut
from idp.models import AuditEvent, Member
from idp.notifications import Notifier
from idp.notifications.masking import mask_email, mask_phone
from idp.sso import SsoSessions
from idp.throttling import lockout

__all__ = [
    "SIGN_IN_EVENTS",
    "ContactChange",
    "InvalidContact",
    "SupportActionRefused",
    "end_sessions",
    "find_member",
    "find_members",
    "iso",
    "member_status",
    "member_summary",
    "record_view",
    "remove_device",
    "resend_activation",
    "unlock",
]

ACTIVATION_PAGE = "/activation/confirm"  # where the activation link leads (selfservice)
RECENT_SIGN_INS = 20
# Audit events that tell the story of a member's sign-ins, for the status page.
SIGN_IN_EVENTS = (
    "authorization.granted",
    "login.password_verified",
    "login.password_failed",
    "otp.verified",
    "otp.failed",
    "passkey.used",
    "passkey.failed",
    "lock.started",
    "lock.ended",
    "logout",
)


class SupportActionRefused(IdPError):
    """The action does not apply to this member; the text says why, for the adviser."""

    message = "error.generic"


class InvalidContact(IdPError):
    """A corrected e-mail address or phone number is not valid; ``field`` names it."""

    message = "error.generic"

    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field


@dataclass(frozen=True)
class ContactChange:
    """What ``change_contact`` did: the fields changed, and where the notices were queued
    (masked addresses)."""

    changed: list[str]
    notified: list[str] = field(default_factory=list)


def iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 UTC: ``2025-03-01T08:30:00Z``."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _iso_epoch(seconds: int) -> str | None:
    return iso(datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None))


# --- looking --------------------------------------------------------------------------------


def find_member(member_number: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.member_number == member_number.strip()))


def _locked_until(member: Member, clock: Clock) -> datetime | None:
    """The lock's end while it holds (read only: lifting an expired lock is the sign-in's)."""
    until = member.locked_until
    return until if until is not None and until > clock.now() else None


def member_summary(member: Member, *, clock: Clock) -> dict[str, Any]:
    """The short view of a search result."""
    return {
        "member_number": member.member_number,
        "last_name": member.last_name,
        "first_name": member.first_name,
        "birth_date": member.birth_date.isoformat(),
        "email": member.email,
        "activated": member.active,
        "locked": _locked_until(member, clock) is not None,
    }


def member_status(member: Member, *, clock: Clock, sessions: SsoSessions) -> dict[str, Any]:
    """Everything an adviser needs to see (JSON-safe): identity, contracts, account state,
    second-factor channels as the code step offers them (masked), devices, live sessions
    and recent sign-in events."""
    live = sessions.list_sessions(member.id)
    return {
        **member_summary(member, clock=clock),
        "phone": member.phone,
        "contracts": sorted(member.contract_set),
        "activated_at": iso(member.activated_at) if member.active else None,
        "locked_until": iso(_locked_until(member, clock)),
        "second_factor": [
            {"channel": channel, "destination": masked(channel, destination)}
            for channel, destination in contacts(member).items()
        ],
        "devices": [
            {
                "id": c.id,
                "name": c.name,
                "added": iso(c.created_at),
                "last_used": iso(c.last_used_at),
            }
            for c in credentials_of(member)
        ],
        "sessions": {
            "count": len(live),
            "list": [
                {
                    "started": _iso_epoch(s.created_at),
                    "last_seen": _iso_epoch(s.last_seen),
                    "user_agent": s.user_agent,
                    "ip": s.ip,
                    "clients": list(s.clients),
                }
                for s in live
            ],
        },
        "recent_sign_ins": [
            {"at": iso(e.at), "event": e.event, "client_id": e.client_id, "ip": e.ip}
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.member_id == member.id, AuditEvent.event.in_(SIGN_IN_EVENTS))
                .order_by(AuditEvent.id.desc())
                .limit(RECENT_SIGN_INS)
            )
        ],
    }


def record_view(member: Member, actor: str) -> None:
    """Audit that ``actor`` opened the member's file (health-insurance data: who looked)."""
    audit.record("account.viewed", member_id=member.id, actor=actor)


# --- acting ---------------------------------------------------------------------------------


def unlock(member: Member, actor: str, *, redis: Redis) -> bool:
    """Lift the sign-in lock now and forget counted failures (as ``idp accounts unlock``), in
    the lockout's ``redis``; True when a lock was lifted."""
    was_locked = lockout.unlock(member, by="adviser", redis=redis)
    audit.record("account.unlocked", member_id=member.id, actor=actor,
                 was_locked=was_locked)  # fmt: skip
    db.session.commit()
    return was_locked


def member_language(member: Member, chosen: str | None = None) -> str:
    """The language of a notice to the member: the one asked for, else the language of their
    last sign-in, else French."""
    return chosen or member.lang or "fr"


def _validated(field_name: str, value: str) -> str | None:
    """The value normalised as the directory import stores it."""
    try:
        return RULES[field_name](value.strip())
    except ValueError as invalid:
        raise InvalidContact(field_name, str(invalid)) from None


def change_contact(
    member: Member, *, email: str | None = None, phone: str | None = None, actor: str,
    lang: str | None = None, notifier: Notifier, clock: Clock,
) -> ContactChange:  # fmt: skip
    """Correct the e-mail address and/or the phone number (``phone=""`` removes it; ``None``
    leaves a field as it is). Both are validated before anything is stored. A notice goes to
    the old and the new address (e-mail change), or to the address on file (phone change).
    A new e-mail address also ends pending activation and reset links sent to the old one."""
    if email is None and phone is None:
        raise InvalidContact(
            "email", "email or phone is required (the new value of either or both)."
        )
    new_email = _validated("email", email) if email is not None else member.email
    if email is not None and new_email is None:
        raise InvalidContact("email", "email cannot be removed: notices and links go there")
    new_phone = _validated("phone", phone) if phone is not None else member.phone
    old_email, old_phone = member.email, member.phone
    changes: list[dict[str, str | None]] = []
    detail: dict[str, str | None] = {}
    if new_email != old_email:
        changes.append(_change("email", old_email, new_email))
        detail.update(email_before=_mask("email", old_email), email_after=_mask("email", new_email))
        member.email = new_email
        revoke_links(member.id, clock=clock)
    if new_phone != old_phone:
        changes.append(_change("phone", old_phone, new_phone))
        detail.update(phone_before=_mask("phone", old_phone), phone_after=_mask("phone", new_phone))
        member.phone = new_phone
    if not changes:
        return ContactChange([])
    changed = [str(c["what"]) for c in changes]
    audit.record("account.contact_changed", member_id=member.id, actor=actor,
                 fields=changed, **detail)  # fmt: skip
    recipients = [a for a in dict.fromkeys([old_email, member.email]) if a]
    # The notices are queued with the change: one transaction, so neither exists alone.
    lang = member_language(member, lang)
    at = devices.format_moment(clock.now(), lang, timezone=notifier.messages.brand.timezone)
    result = _notify_contact_change(
        notifier, member, changed, changes, recipients, old_email, lang, at
    )
    db.session.commit()
    return result


def _mask(what: str, value: str | None) -> str | None:
    if not value:
        return None
    return mask_email(value) if what == "email" else mask_phone(value)


def _change(what: str, before: str | None, after: str | None) -> dict[str, str | None]:
    return {"what": what, "before": _mask(what, before), "after": _mask(what, after)}


def _notify_contact_change(
    notifier: Notifier, member: Member, changed: list[str], changes: list[dict[str, str | None]],
    recipients: list[str], old_email: str | None, lang: str, at: str,
) -> ContactChange:  # fmt: skip
    result = ContactChange(changed)
    for address in recipients:
        notifier.queue_email(
            address, "contact_changed", lang, member_id=member.id,
            first_name=member.first_name, changes=changes, at=at,
            former_address=address == old_email and address != member.email,
        )  # fmt: skip
        result.notified.append(mask_email(address))
    return result


def resend_activation(
    member: Member, actor: str, lang: str | None = None, *, settings: AccountSettings,
    notifier: Notifier, clock: Clock,
) -> str:  # fmt: skip
    """E-mail a new activation link (the older ones stop working) to a member who has not
    activated yet; returns the masked address. The link and its e-mail are committed together
    (the outbox sends it, retrying while the mail server is down)."""
    if member.active:
        raise SupportActionRefused("This member's account is already activated.")
    if not member.email:
        raise SupportActionRefused(
            "This member has no e-mail address on file: correct the contact details first."
        )
    lang = member_language(member, lang)
    link = notifier.messages.issuer_url(ACTIVATION_PAGE)
    send_link(member, ACTIVATION, "activation", lang, link,
              settings.activation_link_ttl, notifier=notifier, clock=clock)  # fmt: skip
    sent_to = mask_email(member.email)
    audit.record("account.activation_resent", member_id=member.id, actor=actor,
                 to=sent_to)  # fmt: skip
    db.session.commit()
    return sent_to


def end_sessions(member: Member, actor: str, *, sign_out: SignOut) -> SignedOut:
    """Sign the member out everywhere: every SSO session, every refresh token (offline ones
    too), a logout token to every relying party concerned."""
    signed_out = sign_out.sign_out_everywhere(member, reason="adviser")
    audit.record(
        "account.sessions_ended",
        member_id=member.id,
        actor=actor,
        sessions=signed_out.sessions,
        token_families=signed_out.token_families,
    )
    return signed_out


@dataclass(frozen=True)
class EveryoneSignedOut:
    members: int
    sessions: int
    token_families: int


def end_everyones_sessions(actor: str, *, sign_out: SignOut) -> EveryoneSignedOut:
    """Sign every member out everywhere (a security incident: a leaked database of sessions,
    a compromised portal): each as an adviser's "sign out everywhere", committed member by
    member, so a run that stops half-way has signed out whom it reached and can be run
    again."""
    members = sessions = families = 0
    for member_id in sign_out.signed_in_members():
        member = db.session.get(Member, member_id)
        if member is None:
            continue
        signed_out = end_sessions(member, actor, sign_out=sign_out)
        db.session.commit()
        members += 1
        sessions += signed_out.sessions
        families += signed_out.token_families
    audit.record("accounts.everyone_signed_out", actor=actor, members=members,
                 sessions=sessions, token_families=families)  # fmt: skip
    db.session.commit()
    return EveryoneSignedOut(members, sessions, families)


def remove_device(
    member: Member, device_id: int, actor: str, lang: str | None = None, *, notifier: Notifier,
    clock: Clock, sign_out: SignOut,
) -> str:  # fmt: skip
    """Remove one of the member's passkeys (``devices.DeviceNotFound`` when it is not one of
    theirs); the member is e-mailed as when they remove it themselves. Returns its name."""
    try:
        credential = devices.remove_device(member, device_id)
    except devices.DeviceNotFound:
        db.session.rollback()
        raise
    name = credential.name
    audit.record("account.device_removed", member_id=member.id, actor=actor,
                 device=device_id, name=name)  # fmt: skip
    db.session.commit()
    sign_out.end_passkey_sessions(member, device_id)
    # A failed notice is only audited.
    devices.notify_device_removed(member, name, member_language(member, lang),
                                  notifier=notifier, clock=clock)  # fmt: skip
    return name
