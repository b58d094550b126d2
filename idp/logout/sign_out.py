"""Signing a member out (OIDC RP-Initiated Logout 1.0 §2, Back-Channel Logout 1.0 §2.7).

Every way a member's sessions end — logout at a portal, "sign out of this device" or
"everywhere", a password reset or change, an adviser's action, a lock, the removal of the
passkey that opened a session, a contract ended, an application withdrawn — goes through
:func:`_sign_out`, which always: ends the SSO sessions (or takes the clients signed out of
them), revokes the refresh tokens they own (through ``tokens/issued.py``, which records revocations
durably), queues a logout token for every client of those sessions with the ``sid`` that
client received, and audits ``logout`` with the reason. docs/sessions.md tells the story.

One web session spares ``offline_access`` refresh tokens (the mobile app's, which by
definition outlive a web sign-in); everything else revokes them too. The caller commits
nothing: the revocations and the logout tokens owed (``logout/queue.py``) are committed here
together, before any token leaves, so a relying party told "signed out" never finds its
refresh token still working, and no logout is lost. The caller clears the
browser's ``idp_session`` cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from idp import audit
from idp.clients import access
from idp.clients.registry import ClientRegistry
from idp.db import db, utcnow
from idp.logout import queue, worker
from idp.models import Member, PasskeySession, RefreshToken
from idp.sso import SsoSession, SsoSessions
from idp.tokens.issued import Tokens

if TYPE_CHECKING:
    from idp.runtime import Runtime

OFFLINE_ACCESS = "offline_access"


@dataclass(frozen=True)
class SignedOut:
    sessions: int
    token_families: int
    notified: list[str]  # clients a logout token was queued for


class SignOut:
    """Signing members out, with the services it touches: their SSO sessions, the tokens it
    revokes, the client registry (whose access rules refuse whom). Built at the edge with
    :meth:`of`."""

    def __init__(self, sessions: SsoSessions, tokens: Tokens, clients: ClientRegistry) -> None:
        self.sessions = sessions
        self.tokens = tokens
        self.clients = clients

    @classmethod
    def of(cls, rt: Runtime) -> SignOut:
        return cls(SsoSessions.of(rt), Tokens.of(rt), ClientRegistry.of(rt))

    def sign_out_session(
        self, session: SsoSession, *, client_id: str | None = None, reason: str = "logout"
    ) -> SignedOut:
        """End one SSO session (its offline refresh tokens stay); ``client_id`` is the relying
        party that asked, for the audit."""
        member = db.session.get(Member, session.member_id)
        return self._sign_out(member, session.member_id, [session], [session.public_sid], reason,
                              client_id=client_id, offline=False, scope="session")  # fmt: skip

    def sign_out_everywhere(
        self, member: Member, *, client_id: str | None = None, reason: str = "everywhere"
    ) -> SignedOut:
        """End every session of the member and revoke all their refresh tokens; a client still
        holding a refresh token from a session that is over gets a ``sub``-only logout token
        (every session of this member, Back-Channel Logout §2.4)."""
        sessions = self.sessions.list_sessions(member.id)
        return self._sign_out(member, member.id, sessions, None, reason, client_id=client_id,
                              offline=True, scope="everywhere")  # fmt: skip

    def sign_out_others_than(
        self, member: Member, keep: SsoSession | None, *, reason: str
    ) -> SignedOut:
        """End every session of the member but ``keep`` (the one the member acts from, after a
        password change), with every refresh token not issued under it, offline ones included."""
        sessions = [
            s for s in self.sessions.list_sessions(member.id) if keep is None or s.sid != keep.sid
        ]
        return self._sign_out(member, member.id, sessions, None, reason, client_id=None,
                              offline=True, scope="others",
                              keep_sid=keep.public_sid if keep else None)  # fmt: skip

    def end_passkey_sessions(
        self, member: Member, credential_id: int, *, spare: SsoSession | None = None
    ) -> SignedOut:
        """A passkey was removed (a lost phone): every session it opened ends, live or not, with
        every refresh token issued under them, offline ones included. ``spare``: the session the
        member removes it from, who has just shown it is them."""
        sids = list(
            db.session.scalars(
                select(PasskeySession.public_sid).where(
                    PasskeySession.member_id == member.id,
                    PasskeySession.credential_id == credential_id,
                )
            )
        )
        sessions = [
            s
            for s in self.sessions.list_sessions(member.id)
            if credential_id in s.passkeys or s.public_sid in sids
        ]
        sids = sorted({*sids, *(s.public_sid for s in sessions)})
        if spare is not None:
            sessions = [s for s in sessions if s.sid != spare.sid]
            sids = [sid for sid in sids if sid != spare.public_sid]
        db.session.execute(
            delete(PasskeySession).where(PasskeySession.credential_id == credential_id)
        )
        return self._sign_out(member, member.id, sessions, sids, "passkey_removed", client_id=None,
                              offline=True, scope="passkey")  # fmt: skip

    def sign_out_refused_clients(self, member: Member) -> SignedOut:
        """A contract ended (directory import): the member is signed out of every client whose
        access rule now refuses them — its refresh tokens revoked, a logout token for each sid it
        saw — and stays signed in to the others."""
        sessions = self.sessions.list_sessions(member.id)
        holders = {holder for holder, _, _ in _live_families(member.id, None).values()}
        candidates = holders | {c for s in sessions for c in s.clients}
        refused = set()
        for client_id in candidates:
            client = self.clients.find(client_id)
            if client is not None and not access.allowed(client, member):
                refused.add(client_id)
        if not refused:
            return SignedOut(0, 0, [])
        return self.sign_out_of_clients(member, refused, reason="contract_ended")

    def sign_out_of_clients(
        self, member: Member, client_ids: set[str], *, reason: str
    ) -> SignedOut:
        """Sign the member out of these clients alone (a contract ended, an application withdrawn
        from the account page): their refresh tokens revoked, offline ones included, each a
        logout token for every ``sid`` it saw, and every session kept for the other clients."""
        sessions = self.sessions.list_sessions(member.id)
        return self._sign_out(member, member.id, sessions, None, reason, client_id=None,
                              offline=True, scope="clients", only=client_ids)  # fmt: skip

    def signed_in_members(self) -> list[int]:
        """The members who may hold something to sign out: an SSO session, or a live refresh
        token (an offline one outlives every session). Ordered, so a long run can be followed."""
        holders = db.session.scalars(
            select(RefreshToken.member_id)
            .where(RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > utcnow())
            .distinct()
        )
        return sorted(self.sessions.members_with_sessions() | {m for m in holders if m is not None})

    def _sign_out(
        self,
        member: Member | None, member_id: int, sessions: list[SsoSession], sids: list[str] | None,
        reason: str, *, client_id: str | None, offline: bool, scope: str,
        only: set[str] | None = None, keep_sid: str | None = None,
    ) -> SignedOut:  # fmt: skip
        """``sids``: the public sids whose refresh tokens to revoke; None means all of the
        member's. ``offline``: revoke ``offline_access`` tokens too. ``only``: sign out of these
        clients alone, the sessions staying open for the others. ``keep_sid``: the refresh
        tokens issued under this public sid stay."""
        jobs: list[tuple[str, str | None]] = [
            (c, s.public_sid) for s in sessions for c in s.clients if only is None or c in only
        ]
        for session in sessions:
            if only is None:
                self.sessions.end(session)
            else:
                self.sessions.remove_clients(session, only)
        families = _live_families(member_id, sids)
        revoked = [
            family
            for family, (holder, token_scope, _) in families.items()
            if (offline or OFFLINE_ACCESS not in token_scope.split())
            and (only is None or holder in only)
            and (keep_sid is None or families[family][2] != keep_sid)
        ]
        for family in revoked:
            self.tokens.revoke_family(family)
        ended = len(sessions) if only is None else 0
        # Logout tokens: each session's clients with that session's sid, and each revoked
        # family's client with the sid its tokens were issued under (a session that is over),
        # or ``sub`` alone for a family issued without a session. Queued in the transaction of
        # the revocations: both are committed, or neither.
        jobs += [(families[f][0], families[f][2] or None) for f in revoked]
        notified = _queue_logout_tokens(member, jobs, clients=self.clients)
        audit.record("logout", member_id=member_id, client_id=client_id, scope=scope,
                     reason=reason, sessions=ended, token_families=len(revoked),
                     families=revoked)  # fmt: skip
        db.session.commit()
        if notified:
            worker.nudge()
        return SignedOut(ended, len(revoked), notified)


def record_passkey_session(member_id: int, credential_id: int, public_sid: str) -> None:
    """Remember, durably, that this passkey opened (or re-authenticated) the session: its
    refresh tokens outlive the SSO session in Redis. Joins the caller's transaction."""
    exists = db.session.scalar(
        select(PasskeySession.id).where(
            PasskeySession.credential_id == credential_id, PasskeySession.public_sid == public_sid
        )
    )
    if exists is None:
        db.session.add(
            PasskeySession(member_id=member_id, credential_id=credential_id, public_sid=public_sid)
        )


def _live_families(member_id: int, sids: list[str] | None) -> dict[str, tuple[str, str, str]]:
    """family id → (client, scope, sid) of the member's live refresh-token families, by the
    family's current token (the one not used yet)."""
    query = select(
        RefreshToken.family_id, RefreshToken.client_id, RefreshToken.scope, RefreshToken.sid
    ).where(
        RefreshToken.member_id == member_id,
        RefreshToken.revoked_at.is_(None),
        RefreshToken.used_at.is_(None),
        RefreshToken.expires_at > utcnow(),
    )
    if sids is not None:
        if not sids:
            return {}
        query = query.where(RefreshToken.sid.in_(sids))
    return {f: (c, scope, sid or "") for f, c, scope, sid in db.session.execute(query)}


def _queue_logout_tokens(
    member: Member | None, jobs: list[tuple[str, str | None]], *, clients: ClientRegistry
) -> list[str]:
    notified: list[str] = []
    if member is None:
        return notified
    for target, sid in dict.fromkeys(jobs):
        queued = queue.enqueue(target, member.subject, sid, member.id, clients=clients)
        if queued and target not in notified:
            notified.append(target)
    return notified
