"""The end of a sign-in: the SSO session it opens (a new session id at every sign-in), set
once per interaction even when the steps after authentication (access rule, consent) end
without a code. Re-authenticating in the same browser keeps the ``sid`` the relying parties
know (docs/sessions.md)."""

from __future__ import annotations

import time

from flask import request
from redis import Redis
from sqlalchemy import or_, update
from werkzeug.wrappers import Response

from idp import sso
from idp.config import ServerSettings
from idp.db import db
from idp.interaction.assurance import acr_for
from idp.interaction.policy import identifies_or_authenticates
from idp.interaction.state import Interaction
from idp.logout.sign_out import record_passkey_session, sign_out_session
from idp.models import Member
from idp.runtime import runtime
from idp.throttling.known_browsers import known_browser, remember_browser
from idp.throttling.lockout import clear_failures
from idp.web.cookies import cookie_name, read_cookie


def authenticated_here(pending: Interaction) -> bool:
    """The member proved something in this interaction (password, code or passkey), rather
    than arriving with an SSO session."""
    return pending.member_id is not None and any(
        identifies_or_authenticates(step) for step in pending.done
    )


def establish_session(
    pending: Interaction, *, redis: Redis, server: ServerSettings
) -> sso.SsoSession:
    """The SSO session of this sign-in, created once (the caller saves ``pending``).

    A previous session of the same member in this browser is *continued*: new cookie value,
    same ``sid`` for the relying parties, its clients and refresh tokens carried over. A
    previous session of another member is signed out (its tokens revoked, its relying parties
    sent logout tokens). The lockout's failures forgotten are in ``redis``; ``server`` reads the
    known-browser cookie."""
    if pending.sid is not None:
        existing = sso.load(pending.sid)
        if existing is not None:
            return existing
    assert pending.member_id is not None and pending.auth_time is not None
    previous = sso.load(read_cookie(sso.COOKIE))
    same_member = previous is not None and previous.member_id == pending.member_id
    session = sso.create(
        pending.member_id, pending.amr, acr_for(pending.amr), pending.auth_time,
        user_agent=request.user_agent.string, ip=request.remote_addr or "",
        continues=previous if same_member else None, passkey=pending.passkey_id,
    )  # fmt: skip
    if previous is not None:
        if same_member:
            sso.end(previous)
        else:
            sign_out_session(previous, reason="other_member")
    if pending.passkey_id is not None:
        record_passkey_session(pending.member_id, pending.passkey_id, session.public_sid)
    # Every step passed: the earlier failures of this browser's budget are forgotten.
    clear_failures(pending.member_id, known_browser(pending.member_id, server=server), redis=redis)
    _remember_language(pending.member_id, pending.lang)
    pending.sid = session.sid
    return session


def _remember_language(member_id: int, lang: str) -> None:
    """Notices sent later on an adviser's action use the language of this sign-in."""
    db.session.execute(
        update(Member)
        .where(Member.id == member_id, or_(Member.lang.is_(None), Member.lang != lang))
        .values(lang=lang)
    )
    db.session.commit()


def current_session(
    pending: Interaction, *, redis: Redis, server: ServerSettings
) -> sso.SsoSession | None:
    """The session to answer with: this interaction's own, or the browser's when the member
    arrived signed in (and is the one the interaction is about)."""
    if authenticated_here(pending):
        return establish_session(pending, redis=redis, server=server)
    previous = sso.load(read_cookie(sso.COOKIE))
    if previous is None or (
        pending.member_id is not None and previous.member_id != pending.member_id
    ):
        return None
    return previous


def set_session_cookie(response: Response, session: sso.SsoSession) -> None:
    """The SSO cookie; and this browser now knows the member, for the lockout's budgets."""
    settings = runtime().settings
    remember_browser(response, session.member_id, server=settings.server)
    response.set_cookie(
        cookie_name(sso.COOKIE),
        session.sid,
        max_age=max(settings.session.absolute_ttl - (int(time.time()) - session.created_at), 0),
        httponly=True,
        secure=settings.server.https,
        samesite="Lax",
        path="/",
    )
