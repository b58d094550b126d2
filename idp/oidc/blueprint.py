"""The protocol blueprint: one module per endpoint adds its route to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oidc", __name__)
