"""Self-service pages: activation, forgotten password, password change, the account page.

These pages orchestrate the account layer (``idp/accounts``) with the session and token
layers (ending sessions and refresh tokens after a reset), which is why they live beside
``idp/login`` rather than inside ``idp/accounts``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Flask

bp = Blueprint("selfservice", __name__)

# Requests that may send an e-mail answer no faster than this, whether or not one was sent,
# so response time does not tell a stranger whether an account exists.
MIN_ANSWER_SECONDS = 0.8


@contextmanager
def answer_at_least(seconds: float = MIN_ANSWER_SECONDS) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)


def init_app(app: Flask) -> None:
    from idp.selfservice import (  # noqa: F401  (routes on ``bp``)
        account,
        activation,
        applications,
        devices,
        reset,
        sessions,
    )

    app.register_blueprint(bp)
