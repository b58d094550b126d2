"""Whether a client's sign-in offers Face ID / fingerprint (passkeys)."""

from __future__ import annotations

from idp.clients.registry import RegisteredClient
from idp.config import WebAuthnSettings


def offers_passkeys(client: RegisteredClient, *, webauthn: WebAuthnSettings, issuer: str) -> bool:
    """Biometric sign-in and its offer appear for ``webauthn: offer`` clients, when the RP ID
    (``webauthn``'s, or the ``issuer``'s host) is a host name (browsers refuse IP addresses)."""
    return client.spec.webauthn == "offer" and webauthn.available(issuer)
