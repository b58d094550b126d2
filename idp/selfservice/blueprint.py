"""The self-service pages' blueprint, and the answer time of pages that may send an e-mail."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint

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
