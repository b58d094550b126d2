"""The two parties of a sign-in once the member is known: the member (active) and the client
that asked. Steps after the password (code, offer, access rule, consent) start from here; a
member or client that has gone away ends the sign-in with the "expired" page."""

from __future__ import annotations

from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.db import db
from idp.errors import InteractionExpired
from idp.interaction.state import Interaction
from idp.models import Member


def parties(pending: Interaction, *, clients: ClientRegistry) -> tuple[Member, RegisteredClient]:
    """The member (active) and the client (enabled, found in ``clients``) of ``pending``."""
    member = db.session.get(Member, pending.member_id) if pending.member_id else None
    client = clients.find(pending.client_id)
    if member is None or not member.active or client is None:
        raise InteractionExpired()
    return member, client
