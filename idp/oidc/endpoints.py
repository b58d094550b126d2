"""The protocol blueprint: one module per endpoint registers its route here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint

if TYPE_CHECKING:
    from idp.oidc.server import Server

bp = Blueprint("oidc", __name__)


def register(server: Server) -> None:
    from idp.oidc import (  # noqa: F401  (each module adds its route to ``bp``)
        authorize,
        discovery,
        end_session,
        introspection,
        jwks,
        revocation,
        token,
        userinfo,
    )

    server.register_endpoint(revocation.Revocation)
    server.register_endpoint(introspection.Introspection)
