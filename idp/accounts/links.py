"""Single-use e-mailed links (activation, password reset), stored only as SHA-256 digests.

Issuing a link revokes the member's older links of the same purpose; a password change
revokes them all. Consuming a link is one conditional UPDATE, so two tabs cannot both use it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from idp.clock import Clock
from idp.db import db
from idp.errors import IdPError
from idp.link_tokens import digest, new_token, well_formed
from idp.models import AccountLink, Member
from idp.notifications import Notifier

ACTIVATION = "activation"
RESET = "reset"


class LinkInvalid(IdPError):
    """Unknown, used or replaced link."""

    message = "link.invalid"


class LinkExpired(IdPError):
    message = "link.expired"


def store_link(member: Member, purpose: str, token: str, ttl_seconds: int, *, clock: Clock) -> None:
    """Record a link sent to the member; older ones of this purpose stop working. Joins the
    caller's transaction."""
    now = clock.now()
    revoke_links(member.id, purpose, clock=clock)
    db.session.add(
        AccountLink(
            token_hash=digest(token),
            purpose=purpose,
            member_id=member.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )


def send_link(
    member: Member, purpose: str, email: str, lang: str, page_url: str, ttl: int,
    *, notifier: Notifier, clock: Clock,
) -> None:  # fmt: skip
    """Record a new link to ``page_url?token=…`` and queue its e-mail with ``notifier``, both
    in the caller's transaction: the link exists exactly when its e-mail is on its way (the
    outbox retries while the mail server is down), and the caller's commit makes both at
    once."""
    assert member.email
    token = new_token()
    store_link(member, purpose, token, ttl, clock=clock)
    notifier.queue_email(
        member.email,
        email,
        lang,
        member_id=member.id,
        first_name=member.first_name,
        link=f"{page_url}?token={token}",
        valid_hours=ttl // 3600,
    )


def find_link(token: str, purpose: str, *, clock: Clock) -> tuple[AccountLink, Member]:
    """The live link and its member, or :class:`LinkInvalid` / :class:`LinkExpired`."""
    if not well_formed(token):
        raise LinkInvalid()
    link = db.session.scalars(
        select(AccountLink).filter_by(token_hash=digest(token), purpose=purpose)
    ).one_or_none()
    if link is None or link.used_at is not None or link.revoked_at is not None:
        raise LinkInvalid()
    if link.expires_at <= clock.now():
        raise LinkExpired(member_id=link.member_id)
    member = db.session.get(Member, link.member_id)
    if member is None:
        raise LinkInvalid()
    return link, member


def use_link(link: AccountLink, *, clock: Clock) -> None:
    """Mark it used inside the caller's transaction; :class:`LinkInvalid` if another request
    used it first."""
    result = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .where(AccountLink.revoked_at.is_(None))
        .values(used_at=clock.now())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkInvalid()


def revoke_links(member_id: int, purpose: str | None = None, *, clock: Clock) -> None:
    query = update(AccountLink).where(
        AccountLink.member_id == member_id,
        AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None),
    )
    if purpose is not None:
        query = query.where(AccountLink.purpose == purpose)
    db.session.execute(query.values(revoked_at=clock.now()))
