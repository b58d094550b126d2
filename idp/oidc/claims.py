"""Scopes → claims, and what the provider supports of them (the ``acr`` classes are in
``idp/interaction/assurance.py``)."""

from __future__ import annotations

from typing import Any

from idp.models import Member

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
