"""Passkeys (WebAuthn Level 3) with py_webauthn, without Flask.

Registration and sign-in are *ceremonies*: the options carry a random challenge, kept in
Redis under the ceremony's id (the pending sign-in) for ``IDP_WEBAUTHN_CHALLENGE_TTL`` seconds
and taken with one ``GETDEL``, so each challenge is answered at most once. Registration asks
for a platform authenticator (Face ID, fingerprint), a discoverable credential and user
verification; sign-in asks for any discoverable credential of our RP ID with user
verification, and the user handle it returns must be the one of the credential's member.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

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
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorAttachment,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialHint,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp.authenticators.webauthn_ceremony import (
    ChallengeRejected,
    relying_party,
    store_challenge,
    take_challenge,
)
from idp.db import db, utcnow
from idp.errors import IdPError
from idp.models import Member, PasskeyCredential
from idp.runtime import runtime

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_CREDENTIAL_JSON = 16_384  # bytes; real responses are 1–2 kB
NAME_LENGTH = 100


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


def _take_challenge(purpose: str, ceremony: str, client_data: bytes, member_id: int = 0) -> bytes:
    try:
        return take_challenge(purpose, ceremony, client_data, member_id)
    except ChallengeRejected as rejected:
        raise PasskeyRejected(rejected.reason) from None


def credentials_of(member: Member) -> list[PasskeyCredential]:
    query = select(PasskeyCredential).where(PasskeyCredential.member_id == member.id)
    return list(db.session.scalars(query.order_by(PasskeyCredential.created_at)))


def user_handle(member: Member) -> bytes:
    """The member's random WebAuthn user handle, created on first use (caller commits)."""
    if member.webauthn_handle is None:
        member.webauthn_handle = secrets.token_bytes(32)
    return member.webauthn_handle


def registration_options(member: Member, ceremony: str) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON; the member's devices are excluded."""
    settings = runtime().settings
    rp_id, _ = relying_party()
    handle = user_handle(member)
    db.session.commit()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.brand.name,
        user_id=handle,
        user_name=member.member_number,
        user_display_name=member.full_name,
        timeout=settings.webauthn.challenge_ttl * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=AuthenticatorAttachment.PLATFORM,
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=c.credential_id) for c in credentials_of(member)
        ],
        supported_pub_key_algs=ALGORITHMS,
        hints=[PublicKeyCredentialHint.CLIENT_DEVICE],
    )
    store_challenge("register", ceremony, options.challenge, member.id)
    return options_to_json(options)


def register(member: Member, ceremony: str, response_json: str, name: str) -> PasskeyCredential:
    """Verify a registration answer and store the new credential (caller commits)."""
    if not response_json or len(response_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyRejected("malformed")
    try:
        credential = parse_registration_credential_json(response_json)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyRejected("malformed") from None
    challenge = _take_challenge(
        "register", ceremony, credential.response.client_data_json, member.id
    )
    rp_id, origins = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRejected(f"registration_invalid: {type(error).__name__}") from None
    existing = db.session.scalar(
        select(PasskeyCredential).where(PasskeyCredential.credential_id == verified.credential_id)
    )
    if existing is not None:
        raise PasskeyRejected("already_registered")
    transports = credential.response.transports or []
    stored = PasskeyCredential(
        member_id=member.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(t.value for t in transports if isinstance(t, AuthenticatorTransport)),
        aaguid=verified.aaguid,
        backed_up=verified.credential_backed_up,
        name=name[:NAME_LENGTH],
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def authentication_options(ceremony: str) -> str:
    """``PublicKeyCredentialRequestOptions`` as JSON: discoverable credentials, so no
    identifier is typed and no credential list reveals who has a passkey."""
    settings = runtime().settings
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=settings.webauthn.challenge_ttl * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    store_challenge("sign-in", ceremony, options.challenge)
    return options_to_json(options)


def authenticate(ceremony: str, response_json: str) -> SignIn:
    """Verify a sign-in answer: challenge (once), origin, RP ID, signature, user verification,
    sign count, and that the user handle is the credential's member. Updates the credential
    (caller commits)."""
    if not response_json or len(response_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyRejected("malformed")
    try:
        credential = parse_authentication_credential_json(response_json)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyRejected("malformed") from None
    challenge = _take_challenge("sign-in", ceremony, credential.response.client_data_json)
    stored = db.session.scalar(
        select(PasskeyCredential).where(PasskeyCredential.credential_id == credential.raw_id)
    )
    if stored is None:
        raise PasskeyRejected("unknown_credential")
    member = db.session.get(Member, stored.member_id)
    if member is None:
        raise PasskeyRejected("unknown_credential")
    handle = credential.response.user_handle
    if not handle or member.webauthn_handle is None:
        raise PasskeyRejected("user_handle_missing", member)
    if not hmac.compare_digest(handle, member.webauthn_handle):
        raise PasskeyRejected("user_handle_mismatch", member)
    rp_id, origins = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRejected(f"assertion_invalid: {error}"[:200], member) from None
    stored.sign_count = verified.new_sign_count
    stored.backed_up = verified.credential_backed_up
    stored.last_used_at = utcnow()
    return SignIn(member, stored)


def rename(credential: PasskeyCredential, name: str) -> None:
    cleaned = " ".join(name.split())[:NAME_LENGTH]
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
