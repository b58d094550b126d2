"""A software WebAuthn authenticator: registers and signs in like a browser with a synced
platform passkey, producing the JSON of ``PublicKeyCredential.toJSON()`` with real ES256
signatures."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ES256 = -7
AAGUID = bytes(16)
FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url, padded or not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticatorError(Exception):
    """What the browser would reject with; ``name`` is the DOMException name."""

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name


@dataclass
class StoredKey:
    """One credential held by the authenticator."""

    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        """The public key as a CBOR-encoded COSE EC2 key."""
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: ES256,  # alg
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def spki_public_key(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo (``getPublicKey()``)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class SoftAuthenticator:
    """A platform authenticator with user verification, resident keys, 'none' attestation.

    ``counter_step`` 0 always reports a sign count of 0 (like Apple passkeys); N > 0 adds N
    at each assertion.
    """

    def __init__(self, origin: str, *, user_verified: bool = True, counter_step: int = 0) -> None:
        self.origin = origin
        self.user_verified = user_verified
        self.counter_step = counter_step
        self.keys: list[StoredKey] = []

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        user_verified: bool | None = None,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        """``navigator.credentials.create()``: return the RegistrationResponseJSON."""
        origin = origin or self.origin
        rp_id = (options.get("rp") or {}).get("id") or _host(origin)
        algs = [p.get("alg") for p in options.get("pubKeyCredParams") or []]
        if algs and ES256 not in algs:
            raise SoftAuthenticatorError("NotSupportedError", "only ES256 is supported")
        excluded = {unb64url(c["id"]) for c in options.get("excludeCredentials") or []}
        if any(k.rp_id == rp_id and k.credential_id in excluded for k in self.keys):
            raise SoftAuthenticatorError("InvalidStateError", "credential already registered")

        key = StoredKey(
            credential_id=secrets.token_bytes(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]),
        )
        client_data = _client_data("webauthn.create", challenge or options["challenge"], origin)
        flags = self._flags(user_verified) | FLAG_AT
        cose_key = key.cose_public_key()
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([flags])
            + struct.pack(">I", 0)
            + AAGUID
            + struct.pack(">H", len(key.credential_id))
            + key.credential_id
            + cose_key
        )
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.keys.append(key)
        return {
            "id": b64url(key.credential_id),
            "rawId": b64url(key.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": _extension_results(options, create=True),
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "authenticatorData": b64url(auth_data),
                "transports": ["internal"],
                "publicKey": b64url(key.spki_public_key()),
                "publicKeyAlgorithm": ES256,
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        credential_id: bytes | None = None,
        user_verified: bool | None = None,
        sign_count: int | None = None,
        tamper_signature: bool = False,
        user_handle: bytes | None = None,
        challenge: str | None = None,
        rp_id: str | None = None,
    ) -> dict[str, Any]:
        """``navigator.credentials.get()``: return the AuthenticationResponseJSON.

        ``sign_count`` reports that counter (like a cloned key) and leaves the stored one as is.
        """
        origin = origin or self.origin
        key = self.find_key(options, origin=origin, credential_id=credential_id)
        if sign_count is None:
            key.sign_count += self.counter_step
            sign_count = key.sign_count
        client_data = _client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = (
            hashlib.sha256((rp_id or key.rp_id).encode()).digest()
            + bytes([self._flags(user_verified)])
            + struct.pack(">I", sign_count)
        )
        signature = key.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if tamper_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return {
            "id": b64url(key.credential_id),
            "rawId": b64url(key.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": _extension_results(options, create=False),
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(key.user_handle if user_handle is None else user_handle),
            },
        }

    def find_key(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        credential_id: bytes | None = None,
    ) -> StoredKey:
        """The key ``get()`` would use: the most recent one for the rp that is allowed."""
        rp_id = options.get("rpId") or _host(origin or self.origin)
        allowed = {unb64url(c["id"]) for c in options.get("allowCredentials") or []}
        for key in reversed(self.keys):
            if key.rp_id != rp_id:
                continue
            if allowed and key.credential_id not in allowed:
                continue
            if credential_id is not None and key.credential_id != credential_id:
                continue
            return key
        raise SoftAuthenticatorError("NotAllowedError", f"no matching credential for {rp_id}")

    def _flags(self, user_verified: bool | None) -> int:
        verified = self.user_verified if user_verified is None else user_verified
        return FLAG_UP | (FLAG_UV if verified else 0) | FLAG_BE | FLAG_BS


def _host(origin: str) -> str:
    host = urlsplit(origin).hostname
    if not host:
        raise SoftAuthenticatorError("SecurityError", f"origin without host: {origin!r}")
    return host


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def _extension_results(options: dict[str, Any], *, create: bool) -> dict[str, Any]:
    extensions = options.get("extensions") or {}
    if create and extensions.get("credProps"):
        return {"credProps": {"rk": True}}
    return {}
