"""Security keys (WebAuthn) as the staff's alternative second factor, no Flask.

A member of staff signed in with password + TOTP may add security keys (YubiKey, Titan, a
phone…) on their account page; the code step then also offers "use my security key". Unlike
members' passkeys these are second factors after the password: any authenticator (roaming or
platform), no discoverable credential needed (the staff member is already identified, so the
request lists their own keys), user verification preferred but not required, ``none``
attestation. Challenges live in Redis for ``IDP_WEBAUTHN_CHALLENGE_TTL`` seconds, bound to the
staff member, and are taken once (``GETDEL``). Like passkeys they need a host name as RP ID.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp import audit
from idp.authenticators.passkeys import ALGORITHMS, MAX_CREDENTIAL_JSON, NAME_LENGTH
from idp.authenticators.webauthn_ceremony import (
    ChallengeRejected,
    relying_party,
    store_challenge,
    take_challenge,
)
from idp.db import db
from idp.errors import IdPError
from idp.models import StaffMember, StaffSecurityKey
from idp.runtime import runtime

REGISTER, SIGN_IN = "staff-register", "staff-sign-in"


class SecurityKeyRejected(IdPError):
    """An answer that cannot be accepted; ``reason`` is for the audit log."""

    message = "admin.key.failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def available() -> bool:
    """Browsers refuse WebAuthn on an IP address: keys need the issuer on a host name."""
    settings = runtime().settings
    return settings.webauthn.available(settings.server.issuer)


def keys_of(staff: StaffMember) -> list[StaffSecurityKey]:
    query = select(StaffSecurityKey).where(StaffSecurityKey.staff_id == staff.id)
    return list(db.session.scalars(query.order_by(StaffSecurityKey.created_at)))


def _take_challenge(purpose: str, staff: StaffMember, client_data: bytes) -> bytes:
    try:
        return take_challenge(purpose, staff.id, client_data)
    except ChallengeRejected as rejected:
        raise SecurityKeyRejected(rejected.reason) from None


def _descriptors(staff: StaffMember) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=k.credential_id) for k in keys_of(staff)]


def registration_options(staff: StaffMember) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON; the staff member's keys are excluded."""
    settings = runtime().settings
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.brand.name,
        # Not personal: a digest naming the account only to this provider.
        user_id=hashlib.sha256(f"idp staff {staff.id}".encode()).digest(),
        user_name=staff.email,
        timeout=settings.webauthn.challenge_ttl * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(staff),
        supported_pub_key_algs=ALGORITHMS,
    )
    store_challenge(REGISTER, staff.id, options.challenge)
    return options_to_json(options)


def add_key(staff: StaffMember, response_json: str, name: str) -> StaffSecurityKey:
    """Verify a registration answer and store the key (committed, audited)."""
    if not response_json or len(response_json) > MAX_CREDENTIAL_JSON:
        raise SecurityKeyRejected("malformed")
    try:
        credential = parse_registration_credential_json(response_json)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise SecurityKeyRejected("malformed") from None
    challenge = _take_challenge(REGISTER, staff, credential.response.client_data_json)
    rp_id, origins = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise SecurityKeyRejected(f"registration_invalid: {type(error).__name__}") from None
    taken = select(StaffSecurityKey).filter_by(credential_id=verified.credential_id)
    if db.session.scalar(taken) is not None:
        raise SecurityKeyRejected("already_registered")
    stored = StaffSecurityKey(
        staff_id=staff.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=(" ".join(name.split()) or "Clé de sécurité")[:NAME_LENGTH],
    )
    db.session.add(stored)
    db.session.flush()
    audit.record("staff.key_added", actor=f"staff:{staff.email}", commit=False, key=stored.id)
    db.session.commit()
    return stored


def authentication_options(staff: StaffMember) -> str:
    """``PublicKeyCredentialRequestOptions`` listing the staff member's keys."""
    settings = runtime().settings
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=settings.webauthn.challenge_ttl * 1000,
        allow_credentials=_descriptors(staff),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    store_challenge(SIGN_IN, staff.id, options.challenge)
    return options_to_json(options)


def verify_key(staff: StaffMember, response_json: str) -> StaffSecurityKey:
    """Verify a sign-in answer: challenge (once, issued to this staff member), one of their
    keys, origin, RP ID, signature, sign count. Updates the key (committed)."""
    if not response_json or len(response_json) > MAX_CREDENTIAL_JSON:
        raise SecurityKeyRejected("malformed")
    try:
        credential = parse_authentication_credential_json(response_json)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise SecurityKeyRejected("malformed") from None
    challenge = _take_challenge(SIGN_IN, staff, credential.response.client_data_json)
    stored = db.session.scalar(
        select(StaffSecurityKey).filter_by(staff_id=staff.id, credential_id=credential.raw_id)
    )
    if stored is None:
        raise SecurityKeyRejected("unknown_key")
    rp_id, origins = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise SecurityKeyRejected(f"assertion_invalid: {error}"[:200]) from None
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = runtime().clock.now()
    db.session.commit()
    return stored


def remove_key(staff: StaffMember, key_id: int) -> None:
    stored = db.session.get(StaffSecurityKey, key_id)
    if stored is None or stored.staff_id != staff.id:
        raise SecurityKeyRejected("unknown_key")
    db.session.delete(stored)
    audit.record("staff.key_removed", actor=f"staff:{staff.email}", commit=False, key=key_id)
    db.session.commit()
