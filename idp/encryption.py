"""Secrets kept at rest (signing keys, staff TOTP secrets) are encrypted with Fernet keys
derived by HKDF from ``IDP_KEYS_ENCRYPTION_KEY`` (or ``IDP_SECRET_KEY``), one per purpose: a
key leaked for one purpose decrypts nothing of another."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from idp.config import Settings


def fernet_for(settings: Settings, purpose: bytes) -> Fernet:
    """The Fernet key of ``purpose`` (HKDF ``info``); the same settings give the same key."""
    material = (settings.keys.encryption_key or settings.server.secret_key).encode()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"idp", info=purpose).derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))
