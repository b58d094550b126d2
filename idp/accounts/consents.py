"""Consent for ``consent: explicit`` clients: what a member allowed a client to
receive, remembered until withdrawn from the account page. The group's own portals are
``implicit`` and never ask."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select

from idp.clients.registry import RegisteredClient
from idp.db import db, utcnow
from idp.models import Consent, Member

# Scopes that reveal nothing by themselves: ``openid`` only says "sign me in".
SILENT_SCOPES = frozenset({"openid"})


def requested_scopes(params: Mapping[str, str], client: RegisteredClient) -> list[str]:
    """The scopes of the request the client may have, in the client's order."""
    asked = set(params.get("scope", "").split())
    return [s for s in client.scopes if s in asked]


def granted_scopes(member: Member, client_id: str) -> set[str] | None:
    """What the member allowed this client, or None when never asked (or withdrawn)."""
    row = db.session.scalar(
        select(Consent).where(Consent.member_id == member.id, Consent.client_id == client_id)
    )
    return None if row is None else set(row.scopes.split())


def consent_needed(params: Mapping[str, str], client: RegisteredClient, member: Member) -> bool:
    """An explicit client asks when ``prompt=consent`` or when the request wants data the
    member has not allowed yet."""
    if client.spec.consent != "explicit":
        return False
    if "consent" in params.get("prompt", "").split():
        return True
    granted = granted_scopes(member, client.client_id)
    wanted = set(requested_scopes(params, client)) - SILENT_SCOPES
    return granted is None or not wanted <= granted


def grant(member: Member, client: RegisteredClient, scopes: list[str]) -> None:
    """Remember the member's yes (added to what was allowed before). Caller commits."""
    row = db.session.scalar(
        select(Consent).where(Consent.member_id == member.id, Consent.client_id == client.client_id)
    )
    if row is None:
        row = Consent(member_id=member.id, client_id=client.client_id, scopes="")
        db.session.add(row)
    row.scopes = " ".join(sorted(set(row.scopes.split()) | set(scopes)))
    row.granted_at = utcnow()


def withdraw(member: Member, client_id: str) -> bool:
    """Forget the member's consent to this client. Caller commits (and revokes tokens)."""
    result = db.session.execute(
        delete(Consent).where(Consent.member_id == member.id, Consent.client_id == client_id)
    )
    return bool(getattr(result, "rowcount", 0))


def consents_of(member: Member) -> list[Consent]:
    query = select(Consent).where(Consent.member_id == member.id).order_by(Consent.granted_at)
    return list(db.session.scalars(query))
