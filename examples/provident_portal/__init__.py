"""Demo provident-fund portal (``provident-portal`` of clients.yaml), on http://127.0.0.1:5002
by default: ``python -m examples.provident_portal``. See ``examples/demo_portal.py``."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from examples.demo_portal import create_portal


def create_app(**overrides: Any) -> Flask:
    options: dict[str, Any] = {
        "name": "Espace prévoyance",
        "client_id": "provident-portal",
        "port": 5002,
        "other_portal_url": os.environ.get("OTHER_PORTAL_URL", "http://127.0.0.1:5001"),
        "other_portal_link": "Aller à l'espace santé",
        "secret_env": "IDP_CLIENT_SECRET_PROVIDENT_PORTAL",
    }
    return create_portal(**{**options, **overrides})
