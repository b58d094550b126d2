"""The administration of an app: the admin API (``api.py`` and the modules adding their
operations to it), dynamic client registration and the staff console."""

from __future__ import annotations

from flask import Flask

from idp.admin import api, audit_api, clients_api, members_api, openapi, registration_api
from idp.admin.console import routes as console_routes

API_MODULES = (audit_api, clients_api, members_api, openapi)


def init_app(app: Flask) -> None:
    app.register_blueprint(api.bp)
    app.register_blueprint(registration_api.bp)  # /register (RFC 7591), 404 unless switched on
    console_routes.init_app(app)
