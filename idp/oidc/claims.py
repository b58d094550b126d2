"""Scopes → claims, and the documented ``acr`` / ``amr`` values (DESIGN §4, RFC 8176)."""

from __future__ import annotations

from typing import Any

from idp.models import Member

# Authentication context classes, weakest first. A relying party may demand one with
# ``acr_values``; the value reached is in the ID token's ``acr``.
ACR_PASSWORD = "urn:idp:acr:pwd"  # password only
ACR_MFA = "urn:idp:acr:mfa"  # password + one-time code
ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"  # WebAuthn with user verification
ACR_LEVELS = (ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT)

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("family_name", "given_name", "name", "birthdate"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
    "member": ("member_number", "contracts"),
}
SUPPORTED_SCOPES = ("openid", *SCOPE_CLAIMS, "offline_access")
RESPONSE_MODES = ("query",)  # the code comes back in the redirect's query (RFC 6749 §4.1.2)
SUPPORTED_CLAIMS = sorted(
    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid"}
    | {c for claims in SCOPE_CLAIMS.values() for c in claims}
)


def acr_for(amr: list[str]) -> str:
    if "hwk" in amr and "user" in amr:
        return ACR_PHISHING_RESISTANT
    if "mfa" in amr:  # set by the code step only for a code that is a second factor
        return ACR_MFA
    return ACR_PASSWORD


def acr_satisfies(reached: str, wanted: str) -> bool:
    """True when ``reached`` is at least as strong as ``wanted`` (unknown values never)."""
    if wanted not in ACR_LEVELS or reached not in ACR_LEVELS:
        return False
    return ACR_LEVELS.index(reached) >= ACR_LEVELS.index(wanted)


def member_claims(member: Member, scope: str) -> dict[str, Any]:
    """The claims a token with this scope may reveal about the member."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": member.subject}
    if "profile" in scopes:
        claims.update(
            family_name=member.last_name,
            given_name=member.first_name,
            name=member.full_name,
            birthdate=member.birth_date.isoformat(),
        )
    if "email" in scopes and member.email:
        # Addresses come from the mutual's registry and receive the activation link.
        claims.update(email=member.email, email_verified=member.activated_at is not None)
    if "phone" in scopes and member.phone:
        claims.update(phone_number=member.phone, phone_number_verified=False)
    if "member" in scopes:
        claims.update(member_number=member.member_number, contracts=sorted(member.contract_set))
    return claims
