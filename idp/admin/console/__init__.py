"""The staff console: server-rendered pages under ``/admin/`` (placeholder)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console's blueprint (none yet)."""
