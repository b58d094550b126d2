"""The staff console: server-rendered pages under ``/admin/`` for admins (everything) and
advisers (member support and the audit log), signed in with a password and a TOTP app.

One module per surface: ``sign_in`` and ``setup`` (reachable before sign-in), ``home``,
``members``, ``clients`` and ``audit``; ``blueprint`` holds the role checks every page route
declares, ``session`` the ``idp_admin`` sessions in Redis.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console's blueprint with every page module's routes."""
    from idp.admin.console import (  # noqa: F401  (routes on ``bp``)
        account,
        audit,
        clients,
        home,
        members,
        setup,
        sign_in,
    )
    from idp.admin.console.blueprint import bp

    app.register_blueprint(bp)
