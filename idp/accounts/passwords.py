"""Setting a member's password: the policy, the history, and what a change invalidates."""

from __future__ import annotations

from sqlalchemy import delete, select

from idp.accounts.links import find_link, revoke_links, use_link
from idp.accounts.policy import check_password
from idp.db import db
from idp.models import Member, PasswordHistory
from idp.runtime import runtime


def previous_hashes(member: Member) -> list[str]:
    return list(
        db.session.scalars(
            select(PasswordHistory.password_hash)
            .filter_by(member_id=member.id)
            .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        )
    )


def set_password(member: Member, new_password: str) -> None:
    """Check the policy (raises ``PasswordRejected``), store the new hash, keep the old one
    in the history, and revoke pending activation/reset links. Joins the caller's
    transaction: the caller commits together with whatever else the change means."""
    rt = runtime()
    policy = rt.settings.password_policy.effective()
    check_password(
        new_password,
        member=member,
        policy=policy,
        previous_hashes=previous_hashes(member),
        hashing=rt.passwords,
        brand_name=rt.settings.brand.name,
    )
    now = rt.clock.now()
    if member.password_hash:
        db.session.add(
            PasswordHistory(member_id=member.id, password_hash=member.password_hash, created_at=now)
        )
        db.session.flush()
        _trim_history(member, keep=policy.history)
    member.password_hash = rt.passwords.hash(new_password)
    member.password_changed_at = now
    revoke_links(member.id)


def set_password_by_link(token: str, purpose: str, new_password: str) -> Member:
    """Use a live e-mailed link and set the password, in the caller's transaction; a refused
    password (``PasswordRejected``) rolls back and leaves the link usable."""
    link, member = find_link(token, purpose)
    use_link(link)  # first: set_password revokes every pending link of the member
    try:
        set_password(member, new_password)
    except Exception:
        db.session.rollback()
        raise
    return member


def _trim_history(member: Member, keep: int) -> None:
    ids = list(
        db.session.scalars(
            select(PasswordHistory.id)
            .filter_by(member_id=member.id)
            .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        )
    )
    # The current hash counts as one of the last ``keep`` passwords.
    stale = ids[max(keep - 1, 0) :]
    if stale:
        db.session.execute(delete(PasswordHistory).where(PasswordHistory.id.in_(stale)))
