"""The password step: identify the member by number or e-mail and check the password.

Any wrong identifier or password gives the same error and costs the same time (a dummy hash is
verified when no account matches), so the answer never tells whether an account exists.
"""

from __future__ import annotations

from idp import audit
from idp.accounts.directory import find_member_by_identifier
from idp.db import db, utcnow
from idp.errors import InvalidCredentials
from idp.models import Member
from idp.runtime import runtime

MAX_PASSWORD_LENGTH = 256  # longer input is refused before hashing (hash flooding)


def verify_password(identifier: str, password: str, client_id: str | None = None) -> Member:
    """The member these credentials belong to, or :class:`InvalidCredentials`."""
    passwords = runtime().passwords
    identifier = identifier.strip()[:320]
    # A control character can be in no identifier (and PostgreSQL refuses NUL in text).
    usable = identifier.isprintable() and bool(identifier)
    member = find_member_by_identifier(identifier) if usable else None
    stored = member.password_hash if member is not None and member.active else None
    ok = passwords.verify(stored, password[:MAX_PASSWORD_LENGTH])
    if not ok or member is None or len(password) > MAX_PASSWORD_LENGTH:
        audit.record(
            "login.password_failed",
            member_id=member.id if member is not None else None,
            client_id=client_id,
        )
        raise InvalidCredentials()
    if stored is not None and passwords.needs_rehash(stored):
        member.password_hash = passwords.hash(password)
        member.updated_at = utcnow()
    audit.record("login.password_verified", member_id=member.id, client_id=client_id, commit=False)
    db.session.commit()
    return member
