"""Whether a client's sign-in offers Face ID / fingerprint (passkeys)."""

from __future__ import annotations

from idp.clients.registry import RegisteredClient
from idp.runtime import runtime


def offers_passkeys(client: RegisteredClient) -> bool:
    """Biometric sign-in and its offer appear for ``webauthn: offer`` clients, when the RP ID
    is a host name (browsers refuse IP addresses)."""
    settings = runtime().settings
    return client.spec.webauthn == "offer" and settings.webauthn.available(settings.server.issuer)
