"""``idp serve``: gunicorn in-process, with workers sized for the storage in use."""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from idp import create_app
from idp.config import load_settings
from idp.logs import ACCESS_FORMAT, ServerLogger, configure
from idp.runtime import runtime

log = logging.getLogger("idp")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(name, value)

    def load(self):
        return create_app()


def prepare() -> None:
    """Before any worker starts: signing keys exist (first start), and production refuses
    keys generated under the development secret."""
    app = create_app()
    with app.app_context():
        keys = runtime(app).keys
        keys.ensure()
        if runtime(app).settings.server.production:
            keys.check_production_ready()


def run(bind: str) -> None:
    configure()
    settings = load_settings()
    prepare()
    if settings.storage.embedded_redis:
        workers = 1  # in-process Redis cannot be shared between processes
    else:
        workers = settings.server.workers or (os.cpu_count() or 1)
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "accesslog": "-",
            # The raw path only, escaped: docs/security.md, "Logs" (idp/logs.py).
            "access_log_format": ACCESS_FORMAT,
            "logger_class": ServerLogger,
            "timeout": 30,
            "graceful_timeout": 20,
            "forwarded_allow_ips": "*" if settings.server.trusted_proxies else "127.0.0.1",
            # gunicorn's control socket is one per user: two instances on a host would clash.
            "control_socket_disable": True,
        }
    ).run()


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
def serve_command(bind: str) -> None:
    """Serve with gunicorn (one worker when Redis is embedded)."""
    run(bind)
