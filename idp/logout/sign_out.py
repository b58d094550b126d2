"""Signing a member out (OIDC RP-Initiated Logout 1.0 §2, Back-Channel Logout 1.0 §2.7).

One session: the SSO session ends, the refresh tokens issued under it are revoked — except
``offline_access`` ones (the mobile app's, which by definition outlive a web sign-in) —, and
every client the session signed in to is sent a logout token. Everywhere: every session,
every refresh token (offline ones too), and a logout token to every client of those sessions
and to every client still holding a refresh token. Both are audited (``logout``).

The caller clears the browser's ``idp_session`` cookie.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from idp import audit
from idp.db import db, utcnow
from idp.login import session as sso
from idp.login.session import SsoSession
from idp.logout import queue, worker
from idp.models import Member, RefreshToken
from idp.oidc.tokens import revoke_family, revoke_member_refresh_tokens

OFFLINE_ACCESS = "offline_access"


@dataclass(frozen=True)
class SignedOut:
    sessions: int
    token_families: int
    notified: list[str]  # clients a logout token was queued for


def sign_out_session(session: SsoSession, *, client_id: str | None = None) -> SignedOut:
    """End one SSO session; ``client_id`` is the relying party that asked, for the audit."""
    member = db.session.get(Member, session.member_id)
    sso.end(session)
    families = _revoke_session_tokens(session.public_sid)
    jobs: list[tuple[str, str | None]] = [(c, session.public_sid) for c in session.clients]
    return _finish(member, session.member_id, "session", 1, families, jobs, client_id)


def sign_out_everywhere(member: Member, *, client_id: str | None = None) -> SignedOut:
    """End every session of the member and revoke all their refresh tokens."""
    sessions = sso.list_sessions(member.id)
    sso.end_all(member.id)
    holders = _refresh_token_holders(member.id)
    families = revoke_member_refresh_tokens(member.id)
    jobs: list[tuple[str, str | None]] = [(c, s.public_sid) for s in sessions for c in s.clients]
    in_sessions = {c for c, _ in jobs}
    # A client with a refresh token from a session that is over: "every session of this
    # member" (a logout token with ``sub`` and no ``sid``, §2.4).
    jobs += [(c, None) for c in holders if c not in in_sessions]
    return _finish(member, member.id, "everywhere", len(sessions), families, jobs, client_id)


def _finish(
    member: Member | None, member_id: int, scope: str, sessions: int, families: int,
    jobs: list[tuple[str, str | None]], client_id: str | None,
) -> SignedOut:  # fmt: skip
    notified: list[str] = []
    if member is not None:
        for target, sid in dict.fromkeys(jobs):
            if queue.enqueue(target, member.subject, sid, member.id) and target not in notified:
                notified.append(target)
    if notified:
        worker.nudge()
    audit.record("logout", member_id=member_id, client_id=client_id, scope=scope,
                 sessions=sessions, token_families=families, notified=notified)  # fmt: skip
    return SignedOut(sessions, families, notified)


def _revoke_session_tokens(sid: str) -> int:
    """Revoke the refresh-token families issued under the session, but not the
    ``offline_access`` ones; returns how many were revoked."""
    rows = db.session.execute(
        select(RefreshToken.family_id, RefreshToken.scope).where(
            RefreshToken.sid == sid,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.used_at.is_(None),  # the family's current token says what it is
        )
    )
    families = {family for family, scope in rows if OFFLINE_ACCESS not in scope.split()}
    for family in families:
        revoke_family(family)
    db.session.commit()
    return len(families)


def _refresh_token_holders(member_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(RefreshToken.client_id)
            .where(
                RefreshToken.member_id == member_id,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > utcnow(),
            )
            .distinct()
            .order_by(RefreshToken.client_id)
        )
    )
