"""The password step: identify the member by number or e-mail and check the password.

Any wrong identifier or password gives the same error and goes through the same password-hash
work (a dummy hash is verified when no account matches), so the answer never tells whether an
account exists, nor does the lock. A try is reserved before the hash is checked
(``throttling/lockout.py``): in the budget of this browser when it has signed the member in
before (``throttling/known_browsers.py``), in the unknown browsers' budget otherwise, and for an
identifier that names no account in a budget of its own that answers the same way (the same
"wait" under parallel guessing, the same lock after as many failures). With a lock threshold of
N, at most N wrong passwords per budget are ever verified, however many arrive at once; a
locked account is refused after the same work.
"""

from __future__ import annotations

from typing import NoReturn

from flask import has_request_context, request

from idp import audit
from idp.accounts.directory import find_member_by_identifier
from idp.authenticators.password import PasswordHashing
from idp.config import ServerSettings, ThrottleSettings
from idp.db import db, utcnow
from idp.errors import InvalidCredentials
from idp.models import Member
from idp.sso import USER_AGENT_LENGTH
from idp.throttling.known_browsers import known_browser
from idp.throttling.limits import hit, password_limits
from idp.throttling.lockout import AccountLocked, AttemptInProgress, Lockout

MAX_PASSWORD_LENGTH = 256  # longer input is refused before hashing (hash flooding)


def verify_password(
    identifier: str,
    password: str,
    *,
    ip: str,
    client_id: str | None = None,
    lang: str = "fr",
    lockout: Lockout,
    throttle: ThrottleSettings,
    server: ServerSettings,
    passwords: PasswordHashing,
) -> Member:
    """The member these credentials belong to; raises :class:`InvalidCredentials` (with
    ``tries_left`` when the account is one failure from its lock), ``AccountLocked``,
    ``AttemptInProgress`` or ``RateLimited`` (the rates of ``throttle``, counted in the
    lockout's Redis; ``server`` signs the known-browser cookie; ``passwords`` verifies and
    rehashes the stored hash, and does the same work when there is none)."""
    identifier = identifier.strip()[:320]
    per_ip, per_identifier = password_limits(throttle)
    hit(per_ip, ip, redis=lockout.redis)
    # A control character can be in no identifier (and PostgreSQL refuses NUL in text).
    usable = identifier.isprintable() and bool(identifier)
    member = find_member_by_identifier(identifier) if usable else None
    browser = known_browser(member.id, server=server) if member is not None else None
    # A browser that knows the member has its own rate, as it has its own lockout budget:
    # requests from elsewhere cannot slow the member down on their own phone.
    subject = identifier if browser is None else f"{identifier}\x00{browser}"
    hit(per_identifier, subject, redis=lockout.redis)
    if member is None or not member.active:
        _stranger(identifier, password, client_id, lang, lockout, passwords)
    try:
        attempt = lockout.begin_attempt(member, "password", lang, browser=browser)
    except (AccountLocked, AttemptInProgress):
        passwords.verify(None, password[:MAX_PASSWORD_LENGTH])  # a refusal costs the same time
        raise
    stored = member.password_hash
    try:
        ok = passwords.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except BaseException:
        attempt.release()
        raise
    ok = ok and len(password) <= MAX_PASSWORD_LENGTH
    if not ok:
        _failed(member, client_id)
        left = attempt.failed(lang)  # raises AccountLocked on the failure that locks
        raise InvalidCredentials(tries_left=left)
    attempt.succeeded()
    if stored is not None and passwords.needs_rehash(stored):
        member.password_hash = passwords.hash(password)
        member.updated_at = utcnow()
    audit.record("login.password_verified", member_id=member.id, client_id=client_id)
    db.session.commit()
    return member


def _stranger(
    identifier: str, password: str, client_id: str | None, lang: str, lockout: Lockout,
    passwords: PasswordHashing,
) -> NoReturn:  # fmt: skip
    """An identifier that names no (active) account, answered as a member seen from an
    unknown browser: a try reserved in its own budget, the same hash work, the same answers
    under parallel guessing and the same lock."""
    try:
        attempt = lockout.begin_unknown_attempt(identifier)
    except (AccountLocked, AttemptInProgress):
        passwords.verify(None, password[:MAX_PASSWORD_LENGTH])  # a refusal costs the same time
        raise
    try:
        passwords.verify(None, password[:MAX_PASSWORD_LENGTH])  # the same work, no account
    except BaseException:
        attempt.release()
        raise
    _failed(None, client_id)
    raise InvalidCredentials(tries_left=attempt.failed(lang))


def _failed(member: Member | None, client_id: str | None) -> None:
    audit.record(
        "login.password_failed",
        member_id=member.id if member is not None else None,
        client_id=client_id,
        # the device, for the account page's activity (accounts/activity.py)
        user_agent=request.user_agent.string[:USER_AGENT_LENGTH] if has_request_context() else "",
    )
