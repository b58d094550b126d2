"""The objects one app instance holds, reachable from any request through ``runtime()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import redis
from flask import Flask, current_app

from idp.clock import Clock
from idp.config import Settings
from idp.outages import Outages

if TYPE_CHECKING:
    from idp.authenticators.password import PasswordHashing
    from idp.tokens.keys import KeyStore

EXTENSION = "idp"


@dataclass
class Runtime:
    settings: Settings
    redis: redis.Redis
    passwords: PasswordHashing
    keys: KeyStore
    clock: Clock = field(default_factory=Clock)
    outages: Outages = field(default_factory=Outages)


def install(app: Flask, rt: Runtime) -> None:
    app.extensions[EXTENSION] = rt


def runtime(app: Flask | None = None) -> Runtime:
    return cast(Runtime, (app or current_app).extensions[EXTENSION])
