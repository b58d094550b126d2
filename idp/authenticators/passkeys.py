"""Passkeys (WebAuthn Level 3) of members, without Flask, on the one ceremony of
``webauthn_ceremony.py``.

Registration asks for a platform authenticator (Face ID, fingerprint), a discoverable
credential and user verification; sign-in asks for any discoverable credential of our RP ID
with user verification, and the user handle it returns must be the one of the credential's
member. Challenges are bound to the pending sign-in (the ceremony) and taken once. The
ceremony's relying party and challenge store come from the edge (``webauthn``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from webauthn.helpers.structs import (
    PublicKeyCredentialHint,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp.authenticators.webauthn_ceremony import (
    NAME_LENGTH,
    CeremonyRejected,
    Policy,
    WebAuthnCeremony,
    clean_name,
)
from idp.db import db, utcnow
from idp.errors import IdPError
from idp.models import Member, PasskeyCredential
from idp.text import has_control_characters

POLICY = Policy(
    register_purpose="register",
    sign_in_purpose="sign-in",
    resident_key=ResidentKeyRequirement.REQUIRED,
    user_verification=UserVerificationRequirement.REQUIRED,
    platform_only=True,
    hints=[PublicKeyCredentialHint.CLIENT_DEVICE],
)


class PasskeyRejected(IdPError):
    """A registration or sign-in answer that cannot be accepted. ``reason`` is for the audit
    log; ``member`` is set when the answer names a credential of ours (it then counts toward
    that member's lock)."""

    message = "passkey.failed"

    def __init__(self, reason: str, member: Member | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.member = member


@dataclass(frozen=True)
class SignIn:
    member: Member
    credential: PasskeyCredential


def credentials_of(member: Member) -> list[PasskeyCredential]:
    query = select(PasskeyCredential).where(PasskeyCredential.member_id == member.id)
    return list(db.session.scalars(query.order_by(PasskeyCredential.created_at)))


def user_handle(member: Member) -> bytes:
    """The member's random WebAuthn user handle, created on first use (caller commits)."""
    if member.webauthn_handle is None:
        member.webauthn_handle = secrets.token_bytes(32)
    return member.webauthn_handle


def registration_options(member: Member, ceremony: str, *, webauthn: WebAuthnCeremony) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON; the member's devices are excluded."""
    handle = user_handle(member)
    db.session.commit()
    return webauthn.registration_options(
        POLICY, ceremony, member.id, user_id=handle, user_name=member.member_number,
        display_name=member.full_name,
        exclude=[c.credential_id for c in credentials_of(member)],
    )  # fmt: skip


def register(
    member: Member, ceremony: str, response_json: str, name: str, *, webauthn: WebAuthnCeremony
) -> PasskeyCredential:
    """Verify a registration answer and store the new credential (caller commits)."""
    try:
        verified = webauthn.verify_registration(
            POLICY, ceremony, member.id, response_json, stored_in=PasskeyCredential
        )
    except CeremonyRejected as rejected:
        raise PasskeyRejected(rejected.reason) from None
    stored = PasskeyCredential(
        member_id=member.id,
        **verified.key_columns(),
        transports=verified.transports,
        aaguid=verified.aaguid,
        backed_up=verified.backed_up,
        name=name[:NAME_LENGTH],
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def authentication_options(ceremony: str, *, webauthn: WebAuthnCeremony) -> str:
    """``PublicKeyCredentialRequestOptions`` as JSON: discoverable credentials, so no
    identifier is typed and no credential list reveals who has a passkey."""
    return webauthn.authentication_options(POLICY, ceremony)


def authenticate(ceremony: str, response_json: str, *, webauthn: WebAuthnCeremony) -> SignIn:
    """Verify a sign-in answer: challenge (once), origin, RP ID, signature, user verification,
    sign count, and that the user handle is the credential's member. Updates the credential
    (caller commits)."""
    try:
        assertion = webauthn.read_assertion(POLICY, ceremony, response_json)
    except CeremonyRejected as rejected:
        raise PasskeyRejected(rejected.reason) from None
    stored = db.session.scalar(
        select(PasskeyCredential).where(PasskeyCredential.credential_id == assertion.raw_id)
    )
    member = db.session.get(Member, stored.member_id) if stored is not None else None
    if stored is None or member is None:
        raise PasskeyRejected("unknown_credential")
    handle = assertion.user_handle
    if not handle or member.webauthn_handle is None:
        raise PasskeyRejected("user_handle_missing", member)
    if not hmac.compare_digest(handle, member.webauthn_handle):
        raise PasskeyRejected("user_handle_mismatch", member)
    try:
        count, backed_up = webauthn.verify_assertion(
            POLICY, assertion, stored.public_key, stored.sign_count
        )
    except CeremonyRejected as rejected:
        raise PasskeyRejected(rejected.reason, member) from None
    stored.sign_count = count
    stored.backed_up = backed_up
    stored.last_used_at = utcnow()
    return SignIn(member, stored)


def rename(credential: PasskeyCredential, name: str) -> None:
    """``PasskeyRejected("empty_name")`` for a blank name, ``"control_characters"`` for a
    name holding one (idp/text.py): the member is asked for another."""
    if has_control_characters(name):
        raise PasskeyRejected("control_characters")
    cleaned = clean_name(name)
    if not cleaned:
        raise PasskeyRejected("empty_name")
    credential.name = cleaned


def device_name(user_agent: str) -> str:
    """A first name for a new device, from its browser's User-Agent; the member may rename it."""
    ua = user_agent or ""
    for marker, name in (
        ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
        ("Macintosh", "Mac"), ("Windows", "Windows"), ("CrOS", "Chromebook"),
        ("Linux", "Linux"),
    ):  # fmt: skip
        if marker in ua:
            return name
    return "Appareil"
