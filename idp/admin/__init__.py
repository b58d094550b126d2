"""Administration (DESIGN §6): the admin API under ``/admin/api/`` for service accounts
(``client_credentials`` tokens with ``idp:admin`` or ``idp:support``) and the staff console
under ``/admin/``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp.admin import (  # noqa: F401  (routes on ``api.bp``)
        api,
        audit_api,
        clients_api,
        console,
        members_api,
        openapi,
        registration,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(registration.bp)  # /register (RFC 7591), 404 unless switched on
    console.init_app(app)
