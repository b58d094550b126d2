"""The console's blueprint with every page module's routes."""

from __future__ import annotations

from flask import Flask

from idp.admin.console import account, audit, clients, home, members, setup, sign_in
from idp.admin.console.blueprint import bp

PAGES = (account, audit, clients, home, members, setup, sign_in)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
