"""Administration (DESIGN §6): the admin API under ``/admin/api/`` for service accounts
(``client_credentials`` tokens with ``idp:admin`` or ``idp:support``) and the staff console.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp.admin import api, openapi  # noqa: F401  (routes on ``api.bp``)

    app.register_blueprint(api.bp)
