"""Setting a member's password: the policy, the history, and what a change invalidates."""

from __future__ import annotations

from sqlalchemy import delete, select

from idp.accounts.links import find_link, revoke_links, use_link
from idp.accounts.policy import check_password
from idp.authenticators.password import PasswordHashing
from idp.clock import Clock
from idp.config import PasswordPolicySettings
from idp.db import db
from idp.models import Member, PasswordHistory
from idp.runtime import Runtime


def previous_hashes(member: Member) -> list[str]:
    return list(
        db.session.scalars(
            select(PasswordHistory.password_hash)
            .filter_by(member_id=member.id)
            .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        )
    )


class NewPasswords:
    """Sets passwords by the ``policy`` (and the brand's name it forbids), hashed with
    ``hashing``, dated by ``clock``; built at the edge (:meth:`of`) and passed down."""

    def __init__(
        self, policy: PasswordPolicySettings, brand_name: str, hashing: PasswordHashing,
        clock: Clock,
    ) -> None:  # fmt: skip
        self.policy = policy
        self.brand_name = brand_name
        self.hashing = hashing
        self.clock = clock

    @classmethod
    def of(cls, rt: Runtime) -> NewPasswords:
        settings = rt.settings
        return cls(settings.password_policy, settings.brand.name, rt.passwords, rt.clock)

    def set(self, member: Member, new_password: str) -> None:
        """Check the policy (raises ``PasswordRejected``), store the new hash, keep the old
        one in the history, and revoke pending activation/reset links. Joins the caller's
        transaction: the caller commits together with whatever else the change means."""
        policy = self.policy.effective()
        check_password(
            new_password,
            member=member,
            policy=policy,
            previous_hashes=previous_hashes(member),
            hashing=self.hashing,
            brand_name=self.brand_name,
        )
        now = self.clock.now()
        if member.password_hash:
            db.session.add(
                PasswordHistory(
                    member_id=member.id, password_hash=member.password_hash, created_at=now
                )
            )
            db.session.flush()
            _trim_history(member, keep=policy.history)
        member.password_hash = self.hashing.hash(new_password)
        member.password_changed_at = now
        revoke_links(member.id, clock=self.clock)

    def set_by_link(self, token: str, purpose: str, new_password: str) -> Member:
        """Use a live e-mailed link and set the password, in the caller's transaction; a
        refused password (``PasswordRejected``) rolls back and leaves the link usable."""
        link, member = find_link(token, purpose, clock=self.clock)
        use_link(link, clock=self.clock)  # first: set revokes every pending link of the member
        try:
            self.set(member, new_password)
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
