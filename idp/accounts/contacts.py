"""Where a member's one-time code can go: the contact details on file, masked for display."""

from __future__ import annotations

from idp.models import Member
from idp.notifications.masking import mask_email, mask_phone

FRENCH_MOBILE = ("+336", "+337")


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
