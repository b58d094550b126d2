"""The time idp lives by. Expiry checks read ``runtime().clock`` so tests can move time."""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.db import utcnow


class Clock:
    """Naive UTC, like every stored time."""

    def now(self) -> datetime:
        return utcnow()


class ShiftedClock(Clock):
    """Real time plus an offset a test can advance ("two days later")."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)
