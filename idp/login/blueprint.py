"""The sign-in pages' blueprint; each step's module adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("login", __name__)
