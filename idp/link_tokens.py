"""The tokens of one-time links, one mechanism for members' e-mailed links
(``accounts/links.py``: activation, password reset) and staff setup links
(``admin/staff.py``): 256 random bits given once in the link, only their SHA-256 digest
stored, so a copy of the database opens no account. Where each kind keeps its digest, how
long it lives and what using it does is that kind's policy."""

from __future__ import annotations

import hashlib
import secrets

# ``secrets.token_urlsafe(32)`` is 43 characters; a longer value is no token of ours and is
# not looked up.
MAX_LENGTH = 100


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored and looked up (64 hexadecimal characters)."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str | None) -> bool:
    """Worth a lookup: present, and not longer than any token given out."""
    return bool(token) and len(token or "") <= MAX_LENGTH
