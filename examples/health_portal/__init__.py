"""Demo health portal (``health-portal`` of clients.yaml), on http://127.0.0.1:5001 by default:
``python -m examples.health_portal``. See ``examples/demo_portal.py``."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from examples.demo_portal import create_portal


def create_app(**overrides: Any) -> Flask:
    options: dict[str, Any] = {
        "name": "Espace santé",
        "client_id": "health-portal",
        "port": 5001,
        "other_portal_url": os.environ.get("OTHER_PORTAL_URL", "http://127.0.0.1:5002"),
        "other_portal_link": "Aller à l'espace prévoyance",
        "secret_env": "IDP_CLIENT_SECRET_HEALTH_PORTAL",
    }
    return create_portal(**{**options, **overrides})
