"""idp: OpenID Connect identity provider for the members of a health-insurance mutual."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from idp.authenticators.password import PasswordHashing
from idp.config import PROJECT_ROOT, Settings, load_settings
from idp.db import db
from idp.kv import connect
from idp.outages import Outages, watch_engine
from idp.runtime import Runtime, install
from idp.tokens.keys import KeyStore
from idp.web.cookies import prefixed
from idp.web.raw_query import PercentEncodeQuery

log = logging.getLogger("idp")


class RowId(IntegerConverter):
    """``<id:name>``: a row id in a URL. Ids are PostgreSQL integers, so a larger number
    matches no route (404) instead of overflowing the query."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=2**31 - 1)


def create_app(settings: Settings | None = None) -> Flask:
    """Wire the application; no business logic here (flaskr's ``create_app``)."""
    settings = settings or load_settings()
    from idp.web import unit_of_work

    app = unit_of_work.App(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.url_map.converters["id"] = RowId
    if settings.storage.embedded_database:
        Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=settings.server.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        SESSION_COOKIE_NAME=prefixed("idp_ui", settings.server.https),  # docs/security.md
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.server.https,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.wsgi_app = PercentEncodeQuery(app.wsgi_app)  # type: ignore[method-assign]
    if settings.server.trusted_proxies:
        n = settings.server.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db.init_app(app)
    outages = Outages()
    with app.app_context():
        watch_engine(db.engine, outages)
    redis_client = connect(settings, outages)
    install(
        app,
        Runtime(
            settings=settings,
            redis=redis_client,
            passwords=PasswordHashing(settings.password_hash),
            keys=KeyStore(settings, redis_client, outages),
            outages=outages,
        ),
    )

    from idp import cli
    from idp.admin import routes as admin_routes
    from idp.login import routes as login_routes
    from idp.logout import worker as logout_worker
    from idp.notifications import mail_worker, outbox_page
    from idp.oidc import routes as oidc_routes
    from idp.selfservice import routes as selfservice_routes
    from idp.web import app_association, brand, error_pages, health, i18n, security_headers
    from idp.web.csrf import csrf_token

    app.jinja_env.globals["csrf_token"] = csrf_token
    i18n.init_app(app)
    security_headers.init_app(app)
    error_pages.init_app(app)
    oidc_routes.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(app_association.bp)
    app.register_blueprint(brand.bp)
    login_routes.init_app(app)
    app.register_blueprint(outbox_page.bp)
    selfservice_routes.init_app(app)
    admin_routes.init_app(app)
    logout_worker.init_app(app)
    mail_worker.init_app(app)
    cli.init_app(app)
    unit_of_work.init_app(app)  # last registered, so it commits before the other hooks run
    for note in settings.warnings():
        log.warning(note)
    return app


# PostgreSQL (psycopg 3, libpq parameters): no request waits more than a few seconds on a
# database that does not answer, and a pool emptied by an outage refills by itself
# (``pool_pre_ping`` replaces a dead connection) once it is back: see docs/failure-modes.md.
PG_CONNECT_TIMEOUT = 2  # seconds, libpq's smallest useful value
PG_STATEMENT_TIMEOUT_MS = 5000
PG_TCP_USER_TIMEOUT_MS = 5000  # unacknowledged data: a host gone silent is dead after this
POOL_TIMEOUT = 5  # seconds waiting for a pooled connection


def _engine_options(settings: Settings) -> dict[str, object]:
    if settings.database_url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": POOL_TIMEOUT,
        "connect_args": {
            "connect_timeout": PG_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS}",
            "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        },
    }
