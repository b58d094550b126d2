"""A member's passkey devices (Face ID, fingerprint) as the account page shows them: list,
rename, remove, and the e-mail notices when one is added or removed.

A device is a :class:`~idp.models.PasskeyCredential`. Removing the last one needs nothing
more: with no credential left, sign-in is password + one-time code again. A password reset
does not touch devices (a forgotten password says nothing about a lost phone).
"""

from __future__ import annotations

from datetime import datetime

from idp import audit
from idp.authenticators import passkeys
from idp.clock import Clock
from idp.db import db
from idp.errors import IdPError
from idp.models import Member, PasskeyCredential
from idp.notifications import Notifier
from idp.throttling.lockout import local_time

DEVICES_PATH = "/account/devices"  # the account page the notices link to
TIME_FORMATS = {"fr": "%d/%m/%Y à %H:%M", "en": "%Y-%m-%d %H:%M"}


class DeviceNotFound(IdPError):
    """No such device among the member's own (unknown, removed, or another member's)."""

    message = "devices.not_found"


def member_device(member: Member, device_id: int) -> PasskeyCredential:
    credential = db.session.get(PasskeyCredential, device_id)
    if credential is None or credential.member_id != member.id:
        raise DeviceNotFound(f"device {device_id} is not one of member {member.id}'s")
    return credential


def rename_device(member: Member, device_id: int, name: str) -> PasskeyCredential:
    """Rename (spaces collapsed, 100 characters at most); ``PasskeyRejected("empty_name")``
    for a blank name. The caller commits."""
    credential = member_device(member, device_id)
    before = credential.name
    passkeys.rename(credential, name)
    if credential.name != before:
        audit.record(
            "passkey.renamed", member_id=member.id,
            device=credential.id, before=before, after=credential.name,
        )  # fmt: skip
    return credential


def remove_device(member: Member, device_id: int) -> PasskeyCredential:
    """Delete the device; it can no longer sign in. The caller commits."""
    credential = member_device(member, device_id)
    db.session.delete(credential)
    db.session.flush()
    remaining = len(passkeys.credentials_of(member))
    audit.record(
        "passkey.removed", member_id=member.id,
        device=credential.id, name=credential.name, remaining=remaining,
    )  # fmt: skip
    return credential


def format_moment(moment: datetime, lang: str, *, timezone: str) -> str:
    """A stored (naive UTC) time as the member reads it: in ``timezone`` (``IDP_TIMEZONE``),
    in their language."""
    return local_time(moment, timezone).strftime(TIME_FORMATS.get(lang, TIME_FORMATS["fr"]))


def notify_device_added(
    member: Member, credential: PasskeyCredential, lang: str, *, notifier: Notifier, clock: Clock
) -> None:
    """The "a device can now sign in to your account" notice. Call it once the credential is
    committed: the notice is queued and committed as its own unit of work."""
    added = credential.created_at or clock.now()
    _notify(notifier, member, "passkey_added", lang, credential.name, added)


def notify_device_removed(
    member: Member, device_name: str, lang: str, *, notifier: Notifier, clock: Clock
) -> None:
    """The "a device was removed" notice; call it after the removal is committed (the notice
    is queued and committed as its own unit of work)."""
    _notify(notifier, member, "passkey_removed", lang, device_name, clock.now())


def _notify(
    notifier: Notifier, member: Member, purpose: str, lang: str, device: str, at: datetime
) -> None:
    """Queue the notice and commit it. Its time and link are those of the brand and issuer
    the notifier's messages are rendered with, so the notice reads as one."""
    if not member.email:
        return
    messages = notifier.messages
    notifier.queue_email(
        member.email,
        purpose,
        lang,
        member_id=member.id,
        first_name=member.first_name,
        device=device,
        at=format_moment(at, lang, timezone=messages.brand.timezone),
        devices_url=messages.issuer_url(DEVICES_PATH),
    )
    db.session.commit()
