"""The client's access rule as a sign-in step (``access`` in clients.yaml): a member without
the required contract sees who the service is for and where to go instead; going back
answers ``access_denied`` to the client (``/authorize/cancel``)."""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from idp import audit
from idp.clients import access
from idp.clients.registry import ClientRegistry
from idp.interaction.state import Interaction
from idp.interaction.steps import SIGNED_IN, Facts, Step, Verdict, run, skip
from idp.login.parties import parties
from idp.runtime import runtime

NAME = "access"


def check(facts: Facts) -> Verdict:
    if not access.required_contract(facts.client):
        return skip("no_access_rule")
    if facts.member is not None and access.allowed(facts.client, facts.member):
        return skip("contract_held")
    return run("client_requires_contract")


def access_page(pending: Interaction) -> Response:
    clients = ClientRegistry.of(runtime())
    member, client = parties(pending, clients=clients)
    audit.record("authorization.access_denied", member_id=member.id, client_id=client.client_id,
                 requires_contract=access.required_contract(client))  # fmt: skip
    suggested = access.suggestion(client, member, clients)
    body = render_template(
        "login/access_denied.html",
        interaction=pending,
        client_name=client.name,
        message=access.refusal_message(client),
        contract=access.named_contract(client),
        suggested_name=suggested.name if suggested else "",
        suggested_url=access.home_url(suggested) if suggested else "",
    )
    return Response(body, status=403, mimetype="text/html")


STEP = Step(NAME, SIGNED_IN, check, access_page, prompt_none_error="access_denied")
