"""The sign-in pages' entry: ``/login/<id>`` shows the step the pending sign-in is at, as
``idp/interaction/policy.py`` plans it; each step's module (``*_step.py``) has its page and
the routes its forms post to."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from idp.clients.access import home_url
from idp.clients.registry import ClientRegistry, all_clients
from idp.errors import InteractionExpired
from idp.interaction.policy import Planner
from idp.interaction.sign_in import SignIn, authenticated_here
from idp.interaction.state import Interaction, Interactions
from idp.interaction.steps import SIGNED_IN, Page
from idp.login.blueprint import bp
from idp.runtime import runtime
from idp.web import i18n
from idp.web.csrf import browser_id


@bp.get("/")
def home() -> str:
    """The way in for a member who lands here: the portal, and each service's home page."""
    clients = ClientRegistry.of(runtime())
    services = []
    for row in all_clients():
        client = clients.find(row.client_id)
        url = home_url(client) if client is not None else ""
        if client is not None and url:
            services.append((client.name, url))
    return render_template("home.html", services=services)


@bp.get("/login/<interaction_id>")
def step(interaction_id: str) -> Page:
    pending = load_interaction(interaction_id)
    rt = runtime()
    planner = Planner.of(rt)
    current = planner.next_step(pending)
    if current is None:
        return redirect(url_for("oidc.resume", interaction_id=pending.id), code=303)
    if current.phase != SIGNED_IN:
        return current.page(pending)
    # The member is signed in from here on (the offer, the access rule, consent): the SSO
    # session opens now, so a "not now", a refusal or going back leaves them signed in.
    if not authenticated_here(pending):
        return current.page(pending)
    sign_in = SignIn.of(rt)
    session = sign_in.establish_session(pending)
    planner.interactions.save(pending)
    response = make_response(current.page(pending))
    sign_in.set_session_cookie(response, session)
    return response


def load_interaction(interaction_id: str) -> Interaction:
    """The interaction of this browser, in the language it chose (the page's ``lang``);
    the step pages' routes start from here."""
    rt = runtime()
    interactions = Interactions.of(rt)
    try:
        pending = interactions.load(interaction_id, browser_id())
    except InteractionExpired:
        raise expired(interaction_id, interactions, ClientRegistry.of(rt)) from None
    chosen = request.args.get("lang")
    if chosen in i18n.SUPPORTED and chosen != pending.lang:
        pending.lang = chosen
        interactions.save(pending)
    i18n.set_language(pending.lang)
    return pending


def expired(
    interaction_id: str, interactions: Interactions, clients: ClientRegistry
) -> InteractionExpired:
    """The "expired" page's error, with the home page of the service the sign-in was for when
    it is still known: where the member starts again."""
    client = clients.find(interactions.client_of(interaction_id))
    url = home_url(client) if client is not None else ""
    if client is None or not url:
        return InteractionExpired()
    return InteractionExpired(client_name=client.name, client_uri=url)
