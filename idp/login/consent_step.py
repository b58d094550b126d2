"""Consent for ``consent: explicit`` clients (DESIGN §6): the data the client asks for, in
plain words; "Autoriser" is remembered (``accounts/consents.py``), "Refuser" answers
``access_denied`` to the client (``/authorize/cancel``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.accounts import consents
from idp.db import db
from idp.errors import InteractionExpired
from idp.login.blueprint import bp
from idp.login.flow import CONSENT
from idp.login.parties import parties
from idp.oidc import interaction
from idp.oidc.interaction import Interaction
from idp.web.csrf import check_csrf


def consent_page(pending: Interaction) -> Response | str:
    member, client = parties(pending)
    if not consents.consent_needed(pending.params, client, member):
        pending.complete(CONSENT)
        interaction.save(pending)
        return redirect(url_for("login.step", interaction_id=pending.id), code=303)
    scopes = [s for s in consents.requested_scopes(pending.params, client)
              if s not in consents.SILENT_SCOPES]  # fmt: skip
    # The name is the client's own choice (a self-registered client may call itself after
    # one of the mutual's portals): the page also shows where the answer goes and who
    # declared the client.
    host = urlsplit(str(pending.params.get("redirect_uri") or "")).hostname or ""
    return render_template(
        "login/consent.html",
        interaction=pending,
        client_name=client.name,
        scopes=scopes,
        client_host=host,
        third_party=client.managed_by == "registration",
    )


@bp.post("/login/<interaction_id>/consent")
def give_consent(interaction_id: str) -> Response:
    check_csrf()
    from idp.login.views import load_interaction

    pending = load_interaction(interaction_id)
    if pending.next_step != CONSENT:
        raise InteractionExpired()
    member, client = parties(pending)
    scopes = consents.requested_scopes(pending.params, client)
    consents.grant(member, client, scopes)
    audit.record("consent.granted", member_id=member.id, client_id=client.client_id,
                 scopes=" ".join(scopes), commit=False)  # fmt: skip
    db.session.commit()
    pending.complete(CONSENT)
    interaction.save(pending)
    return redirect(url_for("login.step", interaction_id=pending.id), code=303)
