"""The sign-in pages' blueprint; each step's module adds its routes to it."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("login", __name__)


def init_app(app: Flask) -> None:
    from idp.login import code_step, consent_step, passkey_step, views  # noqa: F401  (routes on ``bp``)

    app.register_blueprint(bp)
