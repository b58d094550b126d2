"""A sign-in step added from outside ``idp/login/``: "accept the new terms of use", declared
here as one ``Step`` and registered on one app's registry between the access rule and the
biometric offer, with its own page and route. Nothing else of the provider changes.

It shows the policy at work through real HTTP: the step runs at its place in a fresh sign-in
(after the code, once the member is signed in), is skipped by single sign-on while the terms
are accepted, comes back alone (no password) when a new version is published, and is planned
again whenever the member comes back to the sign-in (accepted in another tab: skipped)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests
from flask import Blueprint, current_app, render_template_string
from sqlalchemy import select
from werkzeug.wrappers import Response

from idp.db import db
from idp.interaction.policy import Planner
from idp.interaction.state import Interaction
from idp.interaction.steps import (
    AUTHENTICATE,
    SIGNED_IN,
    Facts,
    Registry,
    Step,
    Verdict,
    registry,
    run,
    skip,
)
from idp.login.views import load_interaction
from idp.models import AuditEvent
from idp.runtime import runtime
from idp.web.csrf import check_csrf
from tests.actors import Browser, RelyingParty, form_action, form_fields

TERMS = "terms"
TERMS_PAGE = """<!doctype html><title>Conditions d'utilisation</title>
<h1>Nouvelles conditions d'utilisation (version {{ version }})</h1>
<form method="post" action="{{ url_for('terms.accept', interaction_id=interaction.id) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button>J'accepte</button></form>"""


def _terms() -> dict:
    return current_app.extensions["test.terms"]


def terms_check(facts: Facts) -> Verdict:
    terms = _terms()
    if facts.member is None:
        return run("terms_not_accepted")
    if terms["accepted"].get(facts.member.id, 0) < terms["version"]:
        return run("terms_not_accepted")
    return skip("terms_accepted")


def terms_page(pending: Interaction) -> str:
    return render_template_string(TERMS_PAGE, interaction=pending, version=_terms()["version"])


terms_bp = Blueprint("terms", __name__)


@terms_bp.post("/terms/<interaction_id>")
def accept(interaction_id: str) -> Response:
    check_csrf()
    pending = load_interaction(interaction_id)
    planner = Planner.of(runtime())
    planner.expect(pending, TERMS)
    assert pending.member_id is not None
    _terms()["accepted"][pending.member_id] = _terms()["version"]
    return planner.complete(pending, TERMS)


TERMS_STEP = Step(TERMS, SIGNED_IN, terms_check, terms_page)


@pytest.fixture
def site(live_server) -> Iterator:
    """The provider with the terms step registered on its registry only, before it serves."""
    from idp.accounts.directory import ensure_demo_member
    from idp.runtime import runtime

    app = live_server.app
    app.extensions["test.terms"] = {"version": 1, "accepted": {}}
    registry(app).add(TERMS_STEP, after="access")
    app.register_blueprint(terms_bp)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    yield live_server


def _events(app, name: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).filter_by(event=name).order_by(AuditEvent.id))
        found = [dict(e.detail or {}) for e in rows]
        db.session.remove()
    return found


def _accept(browser: Browser, page: requests.Response) -> str | requests.Response:
    action = urljoin(page.url, form_action(page.text, "/terms/"))
    return browser.go(action, "POST", {"csrf_token": form_fields(page.text)["csrf_token"]})


def _is_terms_page(result: object) -> bool:
    return isinstance(result, requests.Response) and "Nouvelles conditions" in result.text


def test_the_step_is_registered_in_place_and_the_others_are_unchanged(site):
    assert registry(site.app).names() == [
        "password", "otp", "access", TERMS, "passkey_offer", "consent",
    ]  # fmt: skip
    # The phases cannot be mixed up: a step for signed-in members never runs before the code.
    with pytest.raises(ValueError, match="phase order"):
        registry(site.app).add(Step("too_early", SIGNED_IN, terms_check, terms_page), before="otp")
    with pytest.raises(ValueError, match="registered already"):
        registry(site.app).add(TERMS_STEP)
    # Another app's registry does not have it.
    other = Registry()
    other.add(Step("code", AUTHENTICATE, terms_check, terms_page))
    assert other.names() == ["code"]


def test_a_fresh_sign_in_meets_the_step_after_the_code_then_reaches_the_portal(site):
    browser, portal = Browser(site.url), RelyingParty(site.url, "health-portal")
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response) and 'name="password"' in page.text
    after_password = browser.submit_password(page, "100000001", "Correct-Horse-42")
    # After the password and the code, the member is signed in: the terms come now.
    assert _is_terms_page(after_password), after_password
    assert browser.http.cookies.get("idp_session"), "the SSO session opened before the terms"
    callback = _accept(browser, after_password)
    assert isinstance(callback, str) and callback.startswith(portal.redirect_uri), callback
    tokens = portal.fetch_token(callback)
    assert tokens["id_token"]
    granted = _events(site.app, "authorization.granted")[-1]
    assert granted["steps"] == {
        "password": "no_session", "otp": "client_requires_code", TERMS: "terms_not_accepted",
    }  # fmt: skip


def test_single_sign_on_skips_it_until_a_new_version_brings_it_back_alone(site):
    browser = Browser(site.url)
    health, provident = (RelyingParty(site.url, c) for c in ("health-portal", "provident-portal"))
    first = browser.submit_password(browser.go(health.authorize_url()), "100000001",
                                    "Correct-Horse-42")  # fmt: skip
    assert _is_terms_page(first)
    assert isinstance(_accept(browser, first), str)

    # Accepted: the other portal gets its code at once, nothing is asked.
    callback = browser.go(provident.authorize_url())
    assert isinstance(callback, str) and callback.startswith(provident.redirect_uri), callback

    # A new version: the signed-in member is asked again, and only that (no password).
    site.app.extensions["test.terms"]["version"] = 2
    page = browser.go(provident.authorize_url())
    assert _is_terms_page(page), page
    assert "version 2" in page.text and 'name="password"' not in page.text
    callback = _accept(browser, page)
    assert isinstance(callback, str) and callback.startswith(provident.redirect_uri), callback
    granted = _events(site.app, "authorization.granted")[-1]
    assert granted["steps"] == {TERMS: "terms_not_accepted"}

    # prompt=none cannot show the page: the client is told interaction is required.
    site.app.extensions["test.terms"]["version"] = 3
    answer = browser.go(provident.authorize_url(prompt="none"))
    assert isinstance(answer, str) and "error=interaction_required" in answer, answer


def test_the_plan_is_made_again_when_the_member_comes_back(site):
    browser, portal = Browser(site.url), RelyingParty(site.url, "health-portal")
    page = browser.submit_password(browser.go(portal.authorize_url()), "100000001",
                                   "Correct-Horse-42")  # fmt: skip
    assert _is_terms_page(page)
    # Meanwhile the member accepted the terms elsewhere (another tab, the account page).
    terms = site.app.extensions["test.terms"]
    terms["accepted"] = {m: terms["version"] for m in _members_who_signed_in(site.app)}
    # Coming back to the sign-in (a reload): the step no longer applies and is skipped.
    callback = browser.go(page.url)
    assert isinstance(callback, str) and callback.startswith(portal.redirect_uri), callback
    skipped = [e for e in _events(site.app, "login.step_skipped") if e["step"] == TERMS]
    assert skipped == [{"step": TERMS, "reason": "terms_accepted"}]
    granted = _events(site.app, "authorization.granted")[-1]
    assert granted["skipped"][TERMS] == "terms_accepted" and TERMS not in granted["steps"]
    # Its form, posted late, is refused: the step is not the current one any more.
    stale = browser.go(urljoin(page.url, form_action(page.text, "/terms/")), "POST",
                       {"csrf_token": form_fields(page.text)["csrf_token"]})  # fmt: skip
    assert isinstance(stale, requests.Response) and stale.status_code in (400, 404, 410)


def _members_who_signed_in(app) -> set[int]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).filter_by(event="otp.verified"))
        found = {e.member_id for e in rows if e.member_id is not None}
        db.session.remove()
    return found
