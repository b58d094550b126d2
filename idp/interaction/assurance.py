"""How strongly a member was authenticated: the ``amr`` values a sign-in collects (RFC 8176)
and the documented ``acr`` classes they reach, weakest first. A relying party may demand a
class with ``acr_values``; the value reached is in the ID token's ``acr``."""

from __future__ import annotations

from collections.abc import Iterable

ACR_PASSWORD = "urn:idp:acr:pwd"  # password only
ACR_MFA = "urn:idp:acr:mfa"  # password + one-time code that is a second factor
ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"  # WebAuthn with user verification
ACR_LEVELS = (ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT)
MFA_LEVELS = (ACR_MFA, ACR_PHISHING_RESISTANT)


def acr_for(amr: Iterable[str]) -> str:
    methods = set(amr)
    if "hwk" in methods and "user" in methods:
        return ACR_PHISHING_RESISTANT
    if "mfa" in methods:  # set by the code step only for a code that is a second factor
        return ACR_MFA
    return ACR_PASSWORD


def asks_for_mfa(acr_values: str) -> bool:
    """The request's ``acr_values`` name a multi-factor class."""
    return any(value in MFA_LEVELS for value in acr_values.split())
