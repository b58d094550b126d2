"""Security keys (WebAuthn) as the staff's alternative second factor, no Flask.

A member of staff signed in with password + TOTP may add security keys (YubiKey, Titan, a
phone…) on their account page; the code step then also offers "use my security key". Unlike
members' passkeys these are second factors after the password: any authenticator (roaming or
platform), no discoverable credential needed (the staff member is already identified, so the
request lists their own keys), user verification preferred but not required, ``none``
attestation. The ceremony is the members' one (``authenticators/webauthn_ceremony.py``), with
challenges bound to the staff member. Like passkeys they need a host name as RP ID. The
ceremony (``webauthn``) and the clock come from the edge.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from webauthn.helpers.structs import ResidentKeyRequirement, UserVerificationRequirement

from idp import audit
from idp.authenticators.webauthn_ceremony import (
    CeremonyRejected,
    Policy,
    WebAuthnCeremony,
    clean_name,
)
from idp.clock import Clock
from idp.db import db
from idp.errors import IdPError
from idp.models import StaffMember, StaffSecurityKey

POLICY = Policy(
    register_purpose="staff-register",
    sign_in_purpose="staff-sign-in",
    resident_key=ResidentKeyRequirement.DISCOURAGED,
    user_verification=UserVerificationRequirement.PREFERRED,
)


class SecurityKeyRejected(IdPError):
    """An answer that cannot be accepted; ``reason`` is for the audit log."""

    message = "admin.key.failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def keys_of(staff: StaffMember) -> list[StaffSecurityKey]:
    query = select(StaffSecurityKey).where(StaffSecurityKey.staff_id == staff.id)
    return list(db.session.scalars(query.order_by(StaffSecurityKey.created_at)))


def registration_options(staff: StaffMember, *, webauthn: WebAuthnCeremony) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON; the staff member's keys are excluded."""
    return webauthn.registration_options(
        POLICY, staff.id, staff.id,
        # Not personal: a digest naming the account only to this provider.
        user_id=hashlib.sha256(f"idp staff {staff.id}".encode()).digest(),
        user_name=staff.email, exclude=[k.credential_id for k in keys_of(staff)],
    )  # fmt: skip


def add_key(
    staff: StaffMember, response_json: str, name: str, *, webauthn: WebAuthnCeremony
) -> StaffSecurityKey:
    """Verify a registration answer and store the key (committed, audited)."""
    try:
        verified = webauthn.verify_registration(
            POLICY, staff.id, staff.id, response_json, stored_in=StaffSecurityKey
        )
    except CeremonyRejected as rejected:
        raise SecurityKeyRejected(rejected.reason) from None
    stored = StaffSecurityKey(
        staff_id=staff.id,
        **verified.key_columns(),
        name=clean_name(name, "Clé de sécurité"),
    )
    db.session.add(stored)
    db.session.flush()
    audit.record("staff.key_added", actor=f"staff:{staff.email}", key=stored.id)
    db.session.commit()
    return stored


def authentication_options(staff: StaffMember, *, webauthn: WebAuthnCeremony) -> str:
    """``PublicKeyCredentialRequestOptions`` listing the staff member's keys."""
    allow = [k.credential_id for k in keys_of(staff)]
    return webauthn.authentication_options(POLICY, staff.id, staff.id, allow)


def verify_key(
    staff: StaffMember, response_json: str, *, webauthn: WebAuthnCeremony, clock: Clock
) -> StaffSecurityKey:
    """Verify a sign-in answer: challenge (once, issued to this staff member), one of their
    keys, origin, RP ID, signature, sign count. Updates the key (committed), its last use
    read on ``clock``."""
    try:
        assertion = webauthn.read_assertion(POLICY, staff.id, response_json, staff.id)
        stored = db.session.scalar(
            select(StaffSecurityKey).filter_by(staff_id=staff.id, credential_id=assertion.raw_id)
        )
        if stored is None:
            raise CeremonyRejected("unknown_key")
        stored.sign_count, _ = webauthn.verify_assertion(
            POLICY, assertion, stored.public_key, stored.sign_count
        )
    except CeremonyRejected as rejected:
        raise SecurityKeyRejected(rejected.reason) from None
    stored.last_used_at = clock.now()
    db.session.commit()
    return stored


def remove_key(staff: StaffMember, key_id: int) -> None:
    stored = db.session.get(StaffSecurityKey, key_id)
    if stored is None or stored.staff_id != staff.id:
        raise SecurityKeyRejected("unknown_key")
    db.session.delete(stored)
    audit.record("staff.key_removed", actor=f"staff:{staff.email}", key=key_id)
    db.session.commit()
