"""Consent for ``consent: explicit`` clients: the data the client asks for, in plain words;
"Autoriser" is remembered (``accounts/consents.py``), "Refuser" answers ``access_denied`` to
the client (``/authorize/cancel``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template
from werkzeug.wrappers import Response

from idp import audit
from idp.accounts import consents
from idp.clients.registry import ClientRegistry
from idp.db import db
from idp.interaction.policy import Planner
from idp.interaction.state import Interaction
from idp.interaction.steps import SIGNED_IN, Facts, Step, Verdict, run, skip
from idp.login.blueprint import bp
from idp.login.parties import parties
from idp.login.views import load_interaction
from idp.runtime import runtime
from idp.web import i18n
from idp.web.csrf import check_csrf

NAME = "consent"


def check(facts: Facts) -> Verdict:
    if facts.client.spec.consent != "explicit":
        return skip("no_consent_rule")
    if facts.member is None:
        return run("client_requires_consent")
    if consents.consent_needed(facts.params, facts.client, facts.member):
        return run("prompt_consent" if "consent" in facts.prompts else "consent_required")
    return skip("consent_given")


def consent_page(pending: Interaction) -> str:
    rt = runtime()
    client = parties(pending, clients=ClientRegistry.of(rt))[1]
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
        # offline_access lasts as long as the client's refresh-token family (ASVS 5.0 10.7.2)
        offline_for=i18n.duration(client.refresh_family_lifetime(rt.settings.tokens)),
    )


STEP = Step(NAME, SIGNED_IN, check, consent_page, prompt_none_error="consent_required")


@bp.post("/login/<interaction_id>/consent")
def give_consent(interaction_id: str) -> Response:
    check_csrf()
    pending = load_interaction(interaction_id)
    planner = Planner.of(runtime())
    planner.expect(pending, NAME)
    member, client = parties(pending, clients=planner.clients)
    scopes = consents.requested_scopes(pending.params, client)
    consents.grant(member, client, scopes)
    audit.record("consent.granted", member_id=member.id, client_id=client.client_id,
                 scopes=" ".join(scopes))  # fmt: skip
    db.session.commit()
    return planner.complete(pending, NAME)
