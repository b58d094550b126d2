"""Which sign-in steps a request needs (node-oidc-provider's interaction policy).

The plan depends on the SSO session, the client's policy and the request's ``prompt``,
``max_age``, ``id_token_hint`` and ``acr_values`` (OIDC Core §3.1.2.1). Later steps (one-time
code, WebAuthn, consent) are added here; the protocol only asks "what is missing?".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from idp.accounts.consents import consent_needed
from idp.clients.access import allowed, required_contract
from idp.clients.registry import RegisteredClient
from idp.login.session import SsoSession
from idp.models import Member
from idp.oidc.claims import ACR_MFA, ACR_PHISHING_RESISTANT
from idp.oidc.id_token_hint import decode_hint
from idp.runtime import runtime

PASSWORD = "password"
OTP = "otp"
PASSKEY_OFFER = "passkey_offer"
ACCESS = "access"  # the client's access rule (a contract), once the member is known
CONSENT = "consent"  # consent: explicit clients
# The steps a passkey sign-in replaces: it proves possession and the member's face or finger.
AUTHENTICATION_STEPS = (PASSWORD, OTP, PASSKEY_OFFER)
MFA_LEVELS = (ACR_MFA, ACR_PHISHING_RESISTANT)


@dataclass(frozen=True)
class Plan:
    steps: list[str]
    # Why an existing session cannot be used as is; prompt=none then answers this error.
    reason: str | None = None


def plan_steps(
    params: dict[str, str],
    client: RegisteredClient,
    session: SsoSession | None,
    member: Member | None,
) -> Plan:
    """A fresh sign-in is the password then the code step (which resolves ``new_device`` once
    the member is known: :func:`code_required`), the client's access rule, then, for clients
    with ``webauthn: offer``, the biometric offer, and for ``consent: explicit`` clients the
    consent. An SSO session missing the second factor a client or ``acr_values`` demands gets
    the code step alone (step-up); one that is enough gets only what this member still lacks
    for this client (access refused, consent not given), usually nothing."""
    access = [ACCESS] if required_contract(client) else []
    offer = [PASSKEY_OFFER] if offers_passkeys(client) else []
    consent = [CONSENT] if client.settings.get("consent") == "explicit" else []
    fresh = Plan([PASSWORD, OTP, *access, *offer, *consent], "login_required")
    if session is None or member is None or not member.active:
        return fresh
    prompts = set(params.get("prompt", "").split())
    if "login" in prompts:
        return fresh
    max_age = params.get("max_age")
    if max_age is not None and time.time() - session.auth_time >= int(max_age):
        return fresh
    hint = params.get("id_token_hint")
    if hint and hinted_subject(hint, client) != member.subject:
        return fresh
    if wants_mfa(params, client) and "mfa" not in session.amr:
        return Plan([OTP, *access, *consent], "interaction_required")
    if not allowed(client, member):
        return Plan([ACCESS], "access_denied")
    if consent_needed(params, client, member):
        return Plan([CONSENT], "consent_required")
    return Plan([])


def offers_passkeys(client: RegisteredClient) -> bool:
    """Biometric sign-in and its offer appear for ``webauthn: offer`` clients, when the RP ID
    is a host name (browsers refuse IP addresses)."""
    settings = runtime().settings
    return client.settings.get("webauthn") == "offer" and settings.webauthn.available(
        settings.server.issuer
    )


def wants_mfa(params: dict[str, str], client: RegisteredClient) -> bool:
    """The client's policy is ``always``, or the request asks for a multi-factor ``acr``."""
    if client.settings.get("second_factor", "always") == "always":
        return True
    return any(value in MFA_LEVELS for value in params.get("acr_values", "").split())


def code_required(params: dict[str, str], client: RegisteredClient, remembered: bool) -> bool:
    """At the code step, with the member known: ``new_device`` clients skip it on a device
    that passed it recently, unless the request demands multi-factor."""
    return wants_mfa(params, client) or not remembered


def hinted_subject(id_token_hint: str, client: RegisteredClient) -> str | None:
    """``sub`` of an ID token we issued to this client (expired ones accepted, §3.1.2.1)."""
    hint = decode_hint(id_token_hint)
    return hint.sub if hint is not None and client.client_id in hint.audiences else None
