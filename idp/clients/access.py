"""Who may use a client (``access`` in clients.yaml): the mobile app is only for
members with a health contract. Checked at every authorization, with or without single
sign-on, and at every refresh."""

from __future__ import annotations

from urllib.parse import urlsplit

from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.errors import IdPError
from idp.models import Member


class AccessRefused(IdPError):
    """The member holds none of the contracts the client requires."""

    message = "access.refused"


def required_contract(client: RegisteredClient) -> str | None:
    rule = client.spec.access
    if rule is None or not rule.requires_contract:
        return None
    return rule.requires_contract


def allowed(client: RegisteredClient, member: Member) -> bool:
    contract = required_contract(client)
    return contract is None or contract in member.contract_set


def check_access(client: RegisteredClient, member: Member) -> None:
    if not allowed(client, member):
        raise AccessRefused(client.client_id)


def refusal_message(client: RegisteredClient) -> str:
    """The client's own words for members it refuses (empty: the catalog's)."""
    return client.spec.access.message if client.spec.access is not None else ""


# The contract codes the catalog has a name for (``access.contract.<code>``: "santé").
NAMED_CONTRACTS = ("health", "provident")


def named_contract(client: RegisteredClient) -> str | None:
    """The contract the refusal page names when the client has no words of its own ("réservé
    aux adhérents ayant un contrat santé"); None for a code without a name in the catalog,
    whose page says only that the service is for certain contracts."""
    contract = required_contract(client)
    return contract if contract in NAMED_CONTRACTS else None


def suggestion(
    client: RegisteredClient, member: Member, clients: ClientRegistry
) -> RegisteredClient | None:
    """The client clients.yaml suggests instead (the provident portal for provident members),
    when this member holds a contract, may use it, and it has a home page to link to."""
    rule = client.spec.access
    suggested = clients.find(rule.suggest_client) if rule is not None else None
    if suggested is None or not member.contract_set:
        return None
    if not allowed(suggested, member) or not home_url(suggested):
        return None
    return suggested


def home_url(client: RegisteredClient) -> str:
    """``client_uri``, else the origin of its first web redirect URI (a portal's home)."""
    uri = client.spec.client_uri
    if uri:
        return uri
    for redirect in client.redirect_uris:
        parts = urlsplit(redirect)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return ""
