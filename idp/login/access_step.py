"""The client's access rule as a sign-in step (``access`` in clients.yaml): a member without
the required contract sees who the service is for and where to go instead; going back
answers ``access_denied`` to the client (``/authorize/cancel``)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.clients import access
from idp.login.flow import ACCESS
from idp.login.parties import parties
from idp.oidc import interaction
from idp.oidc.interaction import Interaction


def access_page(pending: Interaction) -> Response | tuple[str, int]:
    member, client = parties(pending)
    if access.allowed(client, member):
        pending.complete(ACCESS)
        interaction.save(pending)
        return redirect(url_for("login.step", interaction_id=pending.id), code=303)
    audit.record("authorization.access_denied", member_id=member.id, client_id=client.client_id,
                 requires_contract=access.required_contract(client))  # fmt: skip
    suggested = access.suggestion(client, member)
    body = render_template(
        "login/access_denied.html",
        interaction=pending,
        client_name=client.name,
        message=access.refusal_message(client),
        suggested_name=suggested.name if suggested else "",
        suggested_url=access.home_url(suggested) if suggested else "",
    )
    return Response(body, status=403, mimetype="text/html")
