"""TOTP authenticator apps (RFC 6238) for the console's staff, no Flask.

Secrets come from ``pyotp.random_base32()`` (160 bits) and are stored encrypted with Fernet,
under a key derived (HKDF) from the same material as the signing keys (``tokens/keys.py``) but
with its own ``info``, so neither key can be used for the other's data. A code is accepted for
the current 30-second step or one step either side (clock drift); the caller records the step
it matched and refuses any step not later than the last one used (RFC 6238 §5.2: a code is
single use).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from idp.config import Settings
from idp.encryption import fernet_for
from idp.errors import IdPError

STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # steps accepted either side of the current one


class TotpSecretUnreadable(IdPError):
    """The stored secret cannot be decrypted (the key material changed)."""


def new_secret() -> str:
    return pyotp.random_base32()


def _fernet(settings: Settings) -> Fernet:
    return fernet_for(settings, b"idp staff totp secrets")


def encrypt_secret(settings: Settings, secret: str) -> bytes:
    return _fernet(settings).encrypt(secret.encode())


def decrypt_secret(settings: Settings, blob: bytes) -> str:
    try:
        return _fernet(settings).decrypt(blob).decode()
    except InvalidToken as error:
        raise TotpSecretUnreadable("TOTP secret unreadable with the current key") from error


def provisioning_uri(secret: str, account: str, issuer_name: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer_name
    )


def step_at(moment: datetime) -> int:
    """The time step (RFC 6238 §4.2 ``T``) of a naive-UTC ``moment``."""
    return int(moment.replace(tzinfo=UTC).timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The step within the window whose code is ``code``, or None. Every candidate is
    compared, in constant time, so timing does not tell which step matched."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit() or not code.isascii():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_at(moment)
    found: int | None = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and found is None:
            found = step
    return found
