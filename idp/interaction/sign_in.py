"""The end of a sign-in: the SSO session it opens (a new session id at every sign-in), set
once per interaction even when the steps after authentication (access rule, consent) end
without a code. Re-authenticating in the same browser keeps the ``sid`` the relying parties
know (docs/sessions.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import request
from redis import Redis
from sqlalchemy import or_, update
from werkzeug.wrappers import Response

from idp.config import ServerSettings
from idp.db import db
from idp.interaction.assurance import acr_for
from idp.interaction.policy import identifies_or_authenticates
from idp.interaction.state import Interaction
from idp.logout.sign_out import SignOut, record_passkey_session
from idp.models import Member
from idp.sso import SsoSession, SsoSessions
from idp.throttling.known_browsers import known_browser, remember_browser
from idp.throttling.lockout import clear_failures

if TYPE_CHECKING:
    from idp.runtime import Runtime


def authenticated_here(pending: Interaction) -> bool:
    """The member proved something in this interaction (password, code or passkey), rather
    than arriving with an SSO session."""
    return pending.member_id is not None and any(
        identifies_or_authenticates(step) for step in pending.done
    )


@dataclass(frozen=True)
class SignIn:
    """What ending a sign-in touches: the SSO sessions, the sign-out (of another member's
    session in this browser), the lockout's failures in ``redis``, and the server settings
    naming the known-browser cookie."""

    sessions: SsoSessions
    sign_out: SignOut
    redis: Redis
    server: ServerSettings

    @classmethod
    def of(cls, rt: Runtime) -> SignIn:
        sign_out = SignOut.of(rt)
        return cls(sign_out.sessions, sign_out, rt.redis, rt.settings.server)

    def establish_session(self, pending: Interaction) -> SsoSession:
        """The SSO session of this sign-in, created once (the caller saves ``pending``).

        A previous session of the same member in this browser is *continued*: new cookie
        value, same ``sid`` for the relying parties, its clients and refresh tokens carried
        over. A previous session of another member is signed out (its tokens revoked, its
        relying parties sent logout tokens)."""
        if pending.sid is not None:
            existing = self.sessions.load(pending.sid)
            if existing is not None:
                return existing
        assert pending.member_id is not None and pending.auth_time is not None
        previous = self.sessions.current()
        same_member = previous is not None and previous.member_id == pending.member_id
        session = self.sessions.create(
            pending.member_id, pending.amr, acr_for(pending.amr), pending.auth_time,
            user_agent=request.user_agent.string, ip=request.remote_addr or "",
            continues=previous if same_member else None, passkey=pending.passkey_id,
        )  # fmt: skip
        if previous is not None:
            if same_member:
                self.sessions.end(previous)
            else:
                self.sign_out.sign_out_session(previous, reason="other_member")
        if pending.passkey_id is not None:
            record_passkey_session(pending.member_id, pending.passkey_id, session.public_sid)
        # Every step passed: the earlier failures of this browser's budget are forgotten.
        browser = known_browser(pending.member_id, server=self.server)
        clear_failures(pending.member_id, browser, redis=self.redis)
        _remember_language(pending.member_id, pending.lang)
        pending.sid = session.sid
        return session

    def current_session(self, pending: Interaction) -> SsoSession | None:
        """The session to answer with: this interaction's own, or the browser's when the
        member arrived signed in (and is the one the interaction is about)."""
        if authenticated_here(pending):
            return self.establish_session(pending)
        previous = self.sessions.current()
        if previous is None or (
            pending.member_id is not None and previous.member_id != pending.member_id
        ):
            return None
        return previous

    def set_session_cookie(self, response: Response, session: SsoSession) -> None:
        """The SSO cookie; and this browser now knows the member, for the lockout's budgets."""
        remember_browser(response, session.member_id, server=self.server)
        self.sessions.set_cookie(response, session)


def _remember_language(member_id: int, lang: str) -> None:
    """Notices sent later on an adviser's action use the language of this sign-in."""
    db.session.execute(
        update(Member)
        .where(Member.id == member_id, or_(Member.lang.is_(None), Member.lang != lang))
        .values(lang=lang)
    )
    db.session.commit()
