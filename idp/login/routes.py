"""The sign-in pages of an app: the built-in steps in the order a member meets them, and
their routes. A new step is one module declaring a ``Step`` and one line here
(docs/extending.md)."""

from __future__ import annotations

from flask import Flask

from idp.interaction.steps import Step, registry
from idp.login import access_step, code_step, consent_step, passkey_step, password_step, views
from idp.login.blueprint import bp

BUILT_IN_STEPS: tuple[Step, ...] = (
    password_step.STEP,  # who the member is (or a passkey, which stands for the code too)
    code_step.STEP,  # the one-time code by SMS or e-mail
    access_step.STEP,  # the client's access rule (a contract)
    passkey_step.OFFER_STEP,  # the Face ID / fingerprint offer after a full sign-in
    consent_step.STEP,  # consent for consent: explicit clients
)
PAGES = (views,)  # /, /login/<id> (the step a sign-in is at)


def init_app(app: Flask) -> None:
    steps = registry(app)
    for step in BUILT_IN_STEPS:
        steps.add(step)
    app.register_blueprint(bp)
