"""What every WebAuthn ceremony of idp shares (members' passkeys, staff security keys): the
relying party (RP ID and accepted origins) and single-use challenges.

A challenge is kept in Redis for ``IDP_WEBAUTHN_CHALLENGE_TTL`` seconds under its purpose,
its ceremony (a pending sign-in, a staff member…) and its own digest, so several may be
pending at once (autofill and a button press), and is taken with one ``GETDEL``: an answer
signing a challenge we did not issue for this ceremony, or one already used, is refused.
"""

from __future__ import annotations

import hashlib
import json

from webauthn.helpers import base64url_to_bytes

from idp.errors import IdPError
from idp.kv import key
from idp.runtime import runtime


class ChallengeRejected(IdPError):
    """The answer's challenge is malformed, unknown, used, or issued to someone else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def relying_party() -> tuple[str, list[str]]:
    """(RP ID, accepted origins) from the issuer and ``IDP_WEBAUTHN_*``."""
    settings = runtime().settings
    issuer = settings.server.issuer
    return settings.webauthn.effective_rp_id(issuer), settings.webauthn.origins(issuer)


def _key(purpose: str, ceremony: str | int, challenge: bytes) -> str:
    return key("webauthn", purpose, ceremony, hashlib.sha256(challenge).hexdigest())


def store_challenge(purpose: str, ceremony: str | int, challenge: bytes, owner: int = 0) -> None:
    rt = runtime()
    ttl = rt.settings.webauthn.challenge_ttl
    rt.redis.set(_key(purpose, ceremony, challenge), str(owner), ex=ttl)


def take_challenge(purpose: str, ceremony: str | int, client_data: bytes, owner: int = 0) -> bytes:
    """The challenge the answer's client data signed, if issued for this ceremony and owner
    and not used yet."""
    try:
        challenge = base64url_to_bytes(json.loads(client_data)["challenge"])
    except (ValueError, KeyError, TypeError):
        raise ChallengeRejected("malformed") from None
    stored = runtime().redis.getdel(_key(purpose, ceremony, challenge))
    if stored is None:
        raise ChallengeRejected("challenge_unknown")
    if int(stored) != owner:
        raise ChallengeRejected("challenge_foreign")
    return challenge
