"""The one WebAuthn ceremony of idp, with py_webauthn and without Flask: members' passkeys
(``passkeys.py``) and the staff's security keys (``admin/security_keys.py``) differ only in
their :class:`Policy` and in how they store credentials.

- The relying party is the issuer's host (or ``IDP_WEBAUTHN_RP_ID``) and its origins.
- A challenge is kept in Redis for ``IDP_WEBAUTHN_CHALLENGE_TTL`` seconds under its purpose,
  its ceremony (a pending sign-in, a staff member…), its owner and its own digest, so several
  may be pending at once (autofill and a button press), and is taken with one ``GETDEL``: an
  answer signing a challenge we did not issue for this ceremony, or one already used, is
  refused.
- Answers are size-bounded, parsed, and verified (challenge, origin, RP ID, signature, user
  verification when the policy requires it, sign count); any failure is
  :class:`CeremonyRejected` with a reason for the audit log.

Nothing here looks services up: an edge builds one :class:`WebAuthnCeremony` (the relying
party's settings and the Redis of the challenges, ``WebAuthnCeremony.of(rt)``) and passes it
down.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from redis import Redis
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorAttachment,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialHint,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp.config import WebAuthnSettings
from idp.db import db
from idp.errors import IdPError
from idp.kv import key
from idp.models import PasskeyCredential, StaffSecurityKey
from idp.runtime import Runtime
from idp.text import without_control_characters

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_CREDENTIAL_JSON = 16_384  # bytes; real responses are 1–2 kB
NAME_LENGTH = 100
_Answer = TypeVar("_Answer")
# What py_webauthn raises on an answer it cannot read or verify.
ANSWER_ERRORS = (WebAuthnException, ValueError, KeyError, TypeError)


class CeremonyRejected(IdPError):
    """An answer that cannot be accepted; ``reason`` is for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    """What a kind of credential asks of the authenticator."""

    register_purpose: str
    sign_in_purpose: str
    resident_key: ResidentKeyRequirement
    user_verification: UserVerificationRequirement
    platform_only: bool = False
    hints: list[PublicKeyCredentialHint] = field(default_factory=list)

    @property
    def requires_user_verification(self) -> bool:
        return self.user_verification == UserVerificationRequirement.REQUIRED


@dataclass(frozen=True)
class Registered:
    """A verified registration, ready to be stored."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: str
    aaguid: str
    backed_up: bool

    def key_columns(self) -> dict[str, bytes | int]:
        """What every stored credential keeps: its id, public key and sign count."""
        return {
            "credential_id": self.credential_id,
            "public_key": self.public_key,
            "sign_count": self.sign_count,
        }


@dataclass(frozen=True)
class Assertion:
    """A sign-in answer whose challenge was ours, before its signature is checked against
    the stored credential it names (``raw_id``)."""

    credential: AuthenticationCredential
    challenge: bytes

    @property
    def raw_id(self) -> bytes:
        return self.credential.raw_id

    @property
    def user_handle(self) -> bytes | None:
        return self.credential.response.user_handle


class WebAuthnCeremony:
    """The ceremonies of the relying party ``issuer`` names (``settings``), shown to the
    authenticator as ``rp_name``, their challenges kept in ``redis``; built at the edge
    (:meth:`of`) and passed down."""

    def __init__(
        self, settings: WebAuthnSettings, *, issuer: str, rp_name: str, redis: Redis
    ) -> None:
        self.settings = settings
        self.issuer = issuer
        self.rp_name = rp_name
        self.redis = redis

    @classmethod
    def of(cls, rt: Runtime) -> WebAuthnCeremony:
        settings = rt.settings
        return cls(settings.webauthn, issuer=settings.server.issuer,
                   rp_name=settings.brand.name, redis=rt.redis)  # fmt: skip

    def relying_party(self) -> tuple[str, list[str]]:
        """(RP ID, accepted origins) from the issuer and ``IDP_WEBAUTHN_*``."""
        settings = self.settings
        return settings.effective_rp_id(self.issuer), settings.origins(self.issuer)

    def available(self) -> bool:
        """Browsers refuse WebAuthn on an IP address: it needs the issuer on a host name."""
        return self.settings.available(self.issuer)

    def registration_options(
        self, policy: Policy, ceremony: str | int, owner: int, *, user_id: bytes,
        user_name: str, display_name: str = "", exclude: list[bytes],
    ) -> str:  # fmt: skip
        """``PublicKeyCredentialCreationOptions`` as JSON, the owner's credentials excluded."""
        rp_id, _ = self.relying_party()
        options = generate_registration_options(
            rp_id=rp_id,
            rp_name=self.rp_name,
            user_id=user_id,
            user_name=user_name,
            user_display_name=display_name or None,
            timeout=self.settings.challenge_ttl * 1000,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                authenticator_attachment=(
                    AuthenticatorAttachment.PLATFORM if policy.platform_only else None
                ),
                resident_key=policy.resident_key,
                require_resident_key=policy.resident_key == ResidentKeyRequirement.REQUIRED,
                user_verification=policy.user_verification,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in exclude],
            supported_pub_key_algs=ALGORITHMS,
            hints=policy.hints or None,
        )
        self._store_challenge(policy.register_purpose, ceremony, options.challenge, owner)
        return options_to_json(options)

    def verify_registration(
        self, policy: Policy, ceremony: str | int, owner: int, response_json: str,
        stored_in: type[PasskeyCredential] | type[StaffSecurityKey],
    ) -> Registered:  # fmt: skip
        """A registration answer to a challenge issued for this ceremony and owner, verified,
        of a credential not in the table ``stored_in`` yet."""
        credential = _parsed(parse_registration_credential_json, response_json)
        challenge = self._take_challenge(
            policy.register_purpose, ceremony, credential.response.client_data_json, owner
        )
        rp_id, origins = self.relying_party()
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origins,
                require_user_verification=policy.requires_user_verification,
                supported_pub_key_algs=ALGORITHMS,
            )
        except ANSWER_ERRORS as error:
            raise CeremonyRejected(f"registration_invalid: {type(error).__name__}") from None
        found = select(stored_in.id).where(stored_in.credential_id == verified.credential_id)
        if db.session.scalar(found) is not None:
            raise CeremonyRejected("already_registered")
        transports = credential.response.transports or []
        return Registered(
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=",".join(
                t.value for t in transports if isinstance(t, AuthenticatorTransport)
            ),
            aaguid=verified.aaguid,
            backed_up=verified.credential_backed_up,
        )

    def authentication_options(
        self, policy: Policy, ceremony: str | int, owner: int = 0,
        allow: list[bytes] | None = None,
    ) -> str:  # fmt: skip
        """``PublicKeyCredentialRequestOptions`` as JSON; no ``allow`` list means discoverable
        credentials (nobody is named, no list reveals who has one)."""
        rp_id, _ = self.relying_party()
        options = generate_authentication_options(
            rp_id=rp_id,
            timeout=self.settings.challenge_ttl * 1000,
            allow_credentials=(
                [PublicKeyCredentialDescriptor(id=c) for c in allow] if allow is not None else None
            ),
            user_verification=policy.user_verification,
        )
        self._store_challenge(policy.sign_in_purpose, ceremony, options.challenge, owner)
        return options_to_json(options)

    def read_assertion(
        self, policy: Policy, ceremony: str | int, response_json: str, owner: int = 0
    ) -> Assertion:
        """A sign-in answer, parsed, whose challenge was issued for this ceremony (taken)."""
        credential = _parsed(parse_authentication_credential_json, response_json)
        challenge = self._take_challenge(
            policy.sign_in_purpose, ceremony, credential.response.client_data_json, owner
        )
        return Assertion(credential, challenge)

    def verify_assertion(
        self, policy: Policy, assertion: Assertion, public_key: bytes, sign_count: int
    ) -> tuple[int, bool]:
        """The signature of ``assertion`` checked with the stored credential's key: its new
        sign count and whether it is backed up (synced passkey)."""
        rp_id, origins = self.relying_party()
        try:
            verified = verify_authentication_response(
                credential=assertion.credential,
                expected_challenge=assertion.challenge,
                expected_rp_id=rp_id,
                expected_origin=origins,
                credential_public_key=public_key,
                credential_current_sign_count=sign_count,
                require_user_verification=policy.requires_user_verification,
            )
        except ANSWER_ERRORS as error:
            raise CeremonyRejected(f"assertion_invalid: {error}"[:200]) from None
        return verified.new_sign_count, verified.credential_backed_up

    def _store_challenge(
        self, purpose: str, ceremony: str | int, challenge: bytes, owner: int
    ) -> None:
        ttl = self.settings.challenge_ttl
        self.redis.set(_key(purpose, ceremony, challenge), str(owner), ex=ttl)

    def _take_challenge(
        self, purpose: str, ceremony: str | int, client_data: bytes, owner: int
    ) -> bytes:
        """The challenge the answer's client data signed, if issued for this ceremony and
        owner and not used yet."""
        try:
            challenge = base64url_to_bytes(json.loads(client_data)["challenge"])
        except (ValueError, KeyError, TypeError):
            raise CeremonyRejected("malformed") from None
        stored = self.redis.getdel(_key(purpose, ceremony, challenge))
        if stored is None:
            raise CeremonyRejected("challenge_unknown")
        if int(stored) != owner:
            raise CeremonyRejected("challenge_foreign")
        return challenge


def clean_name(name: str, default: str = "") -> str:
    """A credential's name as shown on account pages: spaces folded (a control character
    is one, idp/text.py), bounded."""
    return (" ".join(without_control_characters(name).split()) or default)[:NAME_LENGTH]


def _parsed(parse: Callable[[str], _Answer], response_json: str) -> _Answer:
    """An answer read by py_webauthn, bounded in size first."""
    if not response_json or len(response_json) > MAX_CREDENTIAL_JSON:
        raise CeremonyRejected("malformed")
    try:
        return parse(response_json)
    except ANSWER_ERRORS:
        raise CeremonyRejected("malformed") from None


def _key(purpose: str, ceremony: str | int, challenge: bytes) -> str:
    return key("webauthn", purpose, ceremony, hashlib.sha256(challenge).hexdigest())
