"""The software authenticator of the test-suite, checked against py_webauthn itself."""

from __future__ import annotations

import json
from typing import Any

import cbor2
import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tests.passkeys import SoftAuthenticator, SoftAuthenticatorError, b64url, unb64url

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"
USER_ID = b"member-100000001"


def registration_options(
    exclude: list[bytes] | None = None,
    algs: list[COSEAlgorithmIdentifier] | None = None,
) -> tuple[dict[str, Any], bytes]:
    options = generate_registration_options(
        rp_id=RP_ID,
        rp_name="Mutuelle",
        user_name="100000001",
        user_id=USER_ID,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=i) for i in exclude or []],
        supported_pub_key_algs=algs,
    )
    return json.loads(options_to_json(options)), options.challenge


def authentication_options(allow: list[bytes] | None = None) -> tuple[dict[str, Any], bytes]:
    options = generate_authentication_options(
        rp_id=RP_ID,
        allow_credentials=[PublicKeyCredentialDescriptor(id=i) for i in allow or []],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options)), options.challenge


def register(authenticator: SoftAuthenticator) -> tuple[bytes, bytes]:
    """Register a passkey; return its credential id and COSE public key as py_webauthn saw it."""
    options, challenge = registration_options()
    verified = verify_registration_response(
        credential=authenticator.create(options),
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    return verified.credential_id, verified.credential_public_key


def sign_in(
    authenticator: SoftAuthenticator,
    public_key: bytes,
    current_count: int = 0,
    allow: list[bytes] | None = None,
    **knobs: Any,
) -> VerifiedAuthentication:
    options, challenge = authentication_options(allow)
    return verify_authentication_response(
        credential=authenticator.get(options, **knobs),
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=current_count,
        require_user_verification=True,
    )


def test_b64url_round_trip() -> None:
    for data in (b"", b"\x00", b"\xff\xfe", bytes(range(33))):
        assert "=" not in b64url(data)
        assert unb64url(b64url(data)) == data


def test_registration_is_accepted_by_py_webauthn() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    options, challenge = registration_options()
    credential = authenticator.create(options)

    assert credential["type"] == "public-key"
    assert credential["authenticatorAttachment"] == "platform"
    assert credential["response"]["transports"] == ["internal"]
    assert credential["response"]["publicKeyAlgorithm"] == -7
    client_data = json.loads(unb64url(credential["response"]["clientDataJSON"]))
    assert client_data == {
        "type": "webauthn.create",
        "challenge": options["challenge"],
        "origin": ORIGIN,
        "crossOrigin": False,
    }
    attestation = cbor2.loads(unb64url(credential["response"]["attestationObject"]))
    assert attestation["fmt"] == "none"
    assert attestation["attStmt"] == {}

    verified = verify_registration_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    [key] = authenticator.keys
    assert verified.credential_id == key.credential_id == unb64url(credential["id"])
    assert len(key.credential_id) == 32
    assert key.rp_id == RP_ID
    assert key.user_handle == USER_ID
    assert verified.sign_count == 0
    assert verified.user_verified is True
    assert verified.credential_backed_up is True
    assert verified.credential_device_type == "multi_device"
    assert verified.fmt == "none"
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"


def test_discoverable_sign_in_is_accepted_by_py_webauthn() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    credential_id, public_key = register(authenticator)
    options, challenge = authentication_options()
    assert "allowCredentials" not in options or options["allowCredentials"] == []

    assertion = authenticator.get(options)
    assert assertion["id"] == b64url(credential_id)
    assert assertion["authenticatorAttachment"] == "platform"
    assert unb64url(assertion["response"]["userHandle"]) == USER_ID
    client_data = json.loads(unb64url(assertion["response"]["clientDataJSON"]))
    assert client_data["type"] == "webauthn.get"

    verified = verify_authentication_response(
        credential=assertion,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=0,
        require_user_verification=True,
    )
    assert verified.credential_id == credential_id
    assert verified.new_sign_count == 0
    assert verified.user_verified is True
    assert verified.credential_backed_up is True


def test_allow_credentials_and_credential_id_pick_the_key() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    first_id, first_key = register(authenticator)
    second_id, _ = register(authenticator)

    assert sign_in(authenticator, first_key, allow=[first_id]).credential_id == first_id
    assert sign_in(authenticator, first_key, credential_id=first_id).credential_id == first_id
    options, _ = authentication_options()
    assert authenticator.get(options)["id"] == b64url(second_id)  # most recent by default


def test_no_matching_key_is_not_allowed() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    options, _ = authentication_options()
    with pytest.raises(SoftAuthenticatorError) as empty:
        authenticator.get(options)
    assert empty.value.name == "NotAllowedError"

    register(authenticator)
    with pytest.raises(SoftAuthenticatorError) as other:
        authenticator.get(authentication_options(allow=[b"someone else's key"])[0])
    assert other.value.name == "NotAllowedError"
    with pytest.raises(SoftAuthenticatorError) as other_rp:
        authenticator.get({**options, "rpId": "example.org"})
    assert other_rp.value.name == "NotAllowedError"


def test_tampered_signature_is_rejected() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    _, public_key = register(authenticator)
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, tamper_signature=True)


def test_unverified_user_is_rejected_when_verification_is_required() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    _, public_key = register(authenticator)
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, user_verified=False)

    options, challenge = registration_options()
    with pytest.raises(InvalidRegistrationResponse):
        verify_registration_response(
            credential=SoftAuthenticator(ORIGIN, user_verified=False).create(options),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            require_user_verification=True,
        )


def test_wrong_challenge_origin_or_rp_is_rejected() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    _, public_key = register(authenticator)
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, challenge=b64url(b"not the challenge"))
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, origin="http://evil.example")
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, rp_id="evil.example")

    options, challenge = registration_options()
    with pytest.raises(InvalidRegistrationResponse):
        verify_registration_response(
            credential=authenticator.create(options, challenge=b64url(b"not the challenge")),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
        )


def test_excluded_credential_is_refused() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    credential_id, _ = register(authenticator)
    options, _ = registration_options(exclude=[credential_id])
    with pytest.raises(SoftAuthenticatorError) as refused:
        authenticator.create(options)
    assert refused.value.name == "InvalidStateError"
    assert len(authenticator.keys) == 1

    # Another authenticator does not hold that key and registers fine.
    assert SoftAuthenticator(ORIGIN).create(options)["id"] != b64url(credential_id)


def test_es256_is_required() -> None:
    options, _ = registration_options(algs=[COSEAlgorithmIdentifier.EDDSA])
    with pytest.raises(SoftAuthenticatorError) as refused:
        SoftAuthenticator(ORIGIN).create(options)
    assert refused.value.name == "NotSupportedError"


def test_counter_step_yields_increasing_counts() -> None:
    authenticator = SoftAuthenticator(ORIGIN, counter_step=1)
    _, public_key = register(authenticator)
    stored = 0
    for expected in (1, 2, 3):
        stored = sign_in(authenticator, public_key, stored).new_sign_count
        assert stored == expected
    assert authenticator.keys[0].sign_count == 3

    # A clone reporting a stale counter is caught, and the real key's counter is left alone.
    with pytest.raises(InvalidAuthenticationResponse):
        sign_in(authenticator, public_key, stored, sign_count=2)
    assert authenticator.keys[0].sign_count == 3


def test_another_user_handle_can_be_reported() -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    register(authenticator)
    options, _ = authentication_options()
    assertion = authenticator.get(options, user_handle=b"someone-else")
    assert unb64url(assertion["response"]["userHandle"]) == b"someone-else"
