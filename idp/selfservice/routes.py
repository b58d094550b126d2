"""The self-service pages of an app: each module adds its routes to the blueprint."""

from __future__ import annotations

from flask import Flask

from idp.selfservice import (
    account,
    activation,
    activity,
    applications,
    devices,
    reauth,
    reset,
    sessions,
)
from idp.selfservice.blueprint import bp

PAGES = (account, activation, activity, applications, devices, reauth, reset, sessions)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
