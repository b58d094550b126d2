"""The password step: identify the member by number or e-mail and check the password.

Any wrong identifier or password gives the same error and goes through the same password-hash
work (a dummy hash is verified when no account matches), so the answer never tells whether an
account exists. A locked account is refused after the same work, with the time the lock ends;
a wrong password on an existing account counts toward the lock (``throttling/lockout.py``).
"""

from __future__ import annotations

from idp import audit
from idp.accounts.directory import find_member_by_identifier
from idp.db import db, utcnow
from idp.errors import InvalidCredentials
from idp.models import Member
from idp.runtime import runtime
from idp.throttling.limits import hit, password_limits
from idp.throttling.lockout import check_not_locked, record_failure

MAX_PASSWORD_LENGTH = 256  # longer input is refused before hashing (hash flooding)


def verify_password(
    identifier: str, password: str, *, ip: str, client_id: str | None = None, lang: str = "fr"
) -> Member:
    """The member these credentials belong to; raises :class:`InvalidCredentials`,
    ``AccountLocked`` or ``RateLimited``."""
    identifier = identifier.strip()[:320]
    per_ip, per_identifier = password_limits()
    hit(per_ip, ip)
    hit(per_identifier, identifier)
    passwords = runtime().passwords
    # A control character can be in no identifier (and PostgreSQL refuses NUL in text).
    usable = identifier.isprintable() and bool(identifier)
    member = find_member_by_identifier(identifier) if usable else None
    stored = member.password_hash if member is not None and member.active else None
    ok = passwords.verify(stored, password[:MAX_PASSWORD_LENGTH])
    if member is not None and member.active:
        check_not_locked(member)  # after the hash work, so a lock costs the same time
    if not ok or member is None or len(password) > MAX_PASSWORD_LENGTH:
        audit.record(
            "login.password_failed",
            member_id=member.id if member is not None else None,
            client_id=client_id,
        )
        if member is not None and member.active:
            record_failure(member, "password", lang)
        raise InvalidCredentials()
    if stored is not None and passwords.needs_rehash(stored):
        member.password_hash = passwords.hash(password)
        member.updated_at = utcnow()
    audit.record("login.password_verified", member_id=member.id, client_id=client_id, commit=False)
    db.session.commit()
    return member
